using Vim.Generators.Specs;

namespace Vim.Generators.Graph
{
    /// <summary>Counts a configuration's parameters (state-dict elements, RoPE buffers excluded), for docs and the registry.</summary>
    internal static class ParameterCounter
    {
        public static int DtRank(MixerSpec mixer, int dModel) => mixer.DtRank > 0 ? mixer.DtRank : (dModel + 15) / 16;

        public static long Mixer(MixerSpec m, long d)
        {
            long e = m.Expand * d, n = m.DState, k = m.DConv, r = DtRank(m, (int)d);
            long count = m.InitLayerScale != 0 ? d : 0;
            count += e * n + e;                                             // A_log, D
            if (m.Bimamba == BimambaKind.V1) count += e * n;                // A_b_log
            long branch = e * k + (m.ConvBias ? e : 0) + (r + 2 * n) * e + e * r + e; // conv1d, x_proj, dt_proj
            count += branch;
            if (m.Bimamba == BimambaKind.V2) count += e * n + e + branch;   // A_b_log, D_b, the _b modules
            count += 2 * e * d + (m.Bias ? 2 * e : 0);                      // in_proj
            count += d * e + (m.Bias ? d : 0);                              // out_proj
            return count;
        }

        public static long Model(ModelGraph g)
        {
            long d = g.EmbedDim;
            long norm = g.Block.RmsNorm ? d : 2 * d;
            long count = g.ClsCount * d;
            if (g.AbsPosEmbed) count += g.SequenceLength * d;
            count += d * g.Channels * g.PatchSize * g.PatchSize + d;
            if (g.NumClasses > 0) count += g.NumClasses * d + g.NumClasses;
            count += g.Depth * (Mixer(g.Block.Mixer, d) + norm);
            return count + norm;
        }
    }
}

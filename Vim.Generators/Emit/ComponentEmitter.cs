using Vim.Generators.Graph;
using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>Writes the body of a Mamba mixer class and of a Vim block class, specialised to one configuration.</summary>
    internal static class ComponentEmitter
    {
        /// <param name="withForwardAt">Emit ForwardAt (a model's last layer computing one row); declared mixers, which any model may use, always have it.</param>
        public static void WriteMixer(SourceWriter w, string className, MixerSpec m, bool withForwardAt = true)
        {
            // Upstream (mamba_simple.py) only takes the bidirectional path on its fast path.
            var kind = m.UseFastPath ? m.Bimamba : BimambaKind.None;
            w.Line($"/// <summary>Mamba mixer ({Describe(m)}); d_model comes from the model.</summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {className} : {TypeRefs.Module}");
            w.Line($"private const int DState = {Int(m.DState)};");
            w.Line($"private const int DConv = {Int(m.DConv)};");
            w.Line($"private const int Expand = {Int(m.Expand)};");
            w.Line();
            w.Line("/// <summary>Model width D.</summary>");
            w.Line("public int DModel { get; }");
            w.Line();
            w.Line("/// <summary>Inner width E = expand·D.</summary>");
            w.Line("public int DInner { get; }");
            w.Line();
            w.Line("/// <summary>Rank R of the Δ projection.</summary>");
            w.Line("public int DtRank { get; }");
            w.Line();
            if (m.InitLayerScale != 0) w.Line($"private readonly {TypeRefs.Parameter} _gamma;   // gamma (D)");
            w.Line($"private readonly {TypeRefs.Parameter} _aLog;    // A_log (E, N)");
            w.Line($"private readonly {TypeRefs.Parameter} _d;       // D (E)");
            if (m.Bimamba != BimambaKind.None) w.Line($"private readonly {TypeRefs.Parameter} _aBLog;   // A_b_log (E, N)");
            if (m.Bimamba == BimambaKind.V2) w.Line($"private readonly {TypeRefs.Parameter} _dB;      // D_b (E)");
            w.Line($"private readonly {TypeRefs.Linear} _inProj;            // in_proj (2E, D)");
            w.Line($"private readonly {TypeRefs.DepthwiseConv1d} _conv1d;   // conv1d (E, 1, K)");
            w.Line($"private readonly {TypeRefs.Linear} _xProj;             // x_proj (R + 2N, E)");
            w.Line($"private readonly {TypeRefs.Linear} _dtProj;            // dt_proj (E, R)");
            if (m.Bimamba == BimambaKind.V2)
            {
                w.Line($"private readonly {TypeRefs.DepthwiseConv1d} _conv1dB;  // conv1d_b (E, 1, K)");
                w.Line($"private readonly {TypeRefs.Linear} _xProjB;            // x_proj_b (R + 2N, E)");
                w.Line($"private readonly {TypeRefs.Linear} _dtProjB;           // dt_proj_b (E, R)");
            }
            w.Line($"private readonly {TypeRefs.Linear} _outProj;           // out_proj (D, E)");
            w.Line();
            WriteMixerConstructor(w, className, m);
            w.Line();
            WriteMixerForward(w, m, kind);
            if (withForwardAt)
            {
                w.Line();
                WriteMixerForwardAt(w, m, kind);
            }

            w.Line();
            ComponentTrainingEmitter.WriteMixer(w, m, kind);
            w.Line();
            ComponentOnnxEmitter.WriteMixer(w, m, kind);
            w.Close();
        }

        private static void WriteMixerConstructor(SourceWriter w, string className, MixerSpec m)
        {
            string dtRank = m.DtRank > 0 ? Int(m.DtRank) : "(dModel + 15) / 16";
            string dtWeightBound = $"{TypeRefs.Math}.Pow(DtRank, -0.5) * {Double(m.DtScale)}";
            string dtWeightInit = m.DtInit == DtInitKind.Constant
                ? $"{TypeRefs.ParameterInit}.Constant({dtWeightBound})"
                : $"{TypeRefs.ParameterInit}.Uniform({dtWeightBound})";
            string dtBiasInit = $"{TypeRefs.ParameterInit}.InverseSoftplusDt({Double(m.DtMin)}, {Double(m.DtMax)}, {Double(m.DtInitFloor)})";
            string bias = Bool(m.Bias), convBias = Bool(m.ConvBias);

            w.Line("/// <summary>Registers the parameters under the official keys, in the official order.</summary>");
            w.Line("/// <param name=\"dModel\">Model width D.</param>");
            w.Line("/// <param name=\"depth\">Number of blocks in the model (scales the out_proj initialisation).</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated.</param>");
            w.Open($"public {className}(int dModel, int depth, {TypeRefs.Device} device) : base(device)");
            w.Line("DModel = dModel;");
            w.Line("DInner = Expand * dModel;");
            w.Line($"DtRank = {dtRank};");
            if (m.InitLayerScale != 0) w.Line($"_gamma = RegisterParameter(\"gamma\", new {TypeRefs.Shape}(dModel), {TypeRefs.ParameterInit}.Constant({Double(m.InitLayerScale)}));");
            w.Line($"_aLog = RegisterParameter(\"A_log\", new {TypeRefs.Shape}(DInner, DState), {TypeRefs.ParameterInit}.ALog);");
            w.Line($"_d = RegisterParameter(\"D\", new {TypeRefs.Shape}(DInner), {TypeRefs.ParameterInit}.Ones);");
            if (m.Bimamba != BimambaKind.None) w.Line($"_aBLog = RegisterParameter(\"A_b_log\", new {TypeRefs.Shape}(DInner, DState), {TypeRefs.ParameterInit}.ALog);");
            if (m.Bimamba == BimambaKind.V2) w.Line($"_dB = RegisterParameter(\"D_b\", new {TypeRefs.Shape}(DInner), {TypeRefs.ParameterInit}.Ones);");
            w.Line($"_inProj = RegisterModule(\"in_proj\", new {TypeRefs.Linear}(dModel, 2 * DInner, bias: {bias}, device));");
            w.Line($"_conv1d = RegisterModule(\"conv1d\", new {TypeRefs.DepthwiseConv1d}(DInner, DConv, bias: {convBias}, device));");
            w.Line($"_xProj = RegisterModule(\"x_proj\", new {TypeRefs.Linear}(DInner, DtRank + 2 * DState, bias: false, device));");
            w.Line($"_dtProj = RegisterModule(\"dt_proj\", new {TypeRefs.Linear}(DtRank, DInner, bias: true, device, {dtWeightInit}, {dtBiasInit}));");
            if (m.Bimamba == BimambaKind.V2)
            {
                w.Line($"_conv1dB = RegisterModule(\"conv1d_b\", new {TypeRefs.DepthwiseConv1d}(DInner, DConv, bias: {convBias}, device));");
                w.Line($"_xProjB = RegisterModule(\"x_proj_b\", new {TypeRefs.Linear}(DInner, DtRank + 2 * DState, bias: false, device));");
                w.Line("// Upstream never marks dt_proj_b.bias as 'no re-init', so _init_weights zeroes it; its weight keeps PyTorch's default.");
                w.Line($"_dtProjB = RegisterModule(\"dt_proj_b\", new {TypeRefs.Linear}(DtRank, DInner, bias: true, device));");
            }
            w.Line("// out_proj is re-drawn by _init_weights and scaled by 1/sqrt(depth) (rescale_prenorm_residual).");
            w.Line($"_outProj = RegisterModule(\"out_proj\", new {TypeRefs.Linear}(DInner, dModel, bias: {bias}, device, {TypeRefs.ParameterInit}.Uniform(1.0 / {TypeRefs.Math}.Sqrt(DInner) / {TypeRefs.Math}.Sqrt(depth))));");
            w.Close();
        }

        private static void WriteMixerForward(SourceWriter w, MixerSpec m, BimambaKind kind)
        {
            w.Line("/// <summary>Mixes the tokens of <paramref name=\"hidden\"/> (B, L, D) → (B, L, D).</summary>");
            w.Line("/// <param name=\"hidden\">The normalised block input.</param>");
            w.Line("/// <param name=\"reverse\">Process the sequence as if reversed (results stay in the original order); used by bidirectional layer pairs.</param>");
            w.Open($"public {TypeRefs.Tensor} Forward({TypeRefs.Tensor} hidden, bool reverse)");
            w.Line("// hidden: (B, L, D) -> xz: (B, L, 2E); x = xz[..., :E], gate z = xz[..., E:]          (Mamba, Sec. 3.4)");
            w.Line("using var xz = _inProj.Forward(hidden);");
            w.Line($"var y = {TypeRefs.MambaOps}.NewOutput(xz, DInner);");
            switch (kind)
            {
                case BimambaKind.None:
                    w.Line("// h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t u_t ;  y_t = (C_t h_t + D u_t) · silu(z_t)        (Eq. 2a-2b)");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, y, accumulate: false, scale: 1f);");
                    break;
                case BimambaKind.V1:
                    w.Line("// v1: one conv/x_proj/dt_proj/D for both directions; only A differs. u, Δ, B, C come from the");
                    w.Line("// forward-order conv; the second scan runs over reversed time. Outputs are summed, never halved.");
                    w.Line($"using (var branch = {TypeRefs.MambaOps}.Prepare(xz, _conv1d, _xProj, _dtProj, DState, reverse))");
                    w.Open("");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aLog, _d, _dtProj, reverse, y, accumulate: false, scale: 1f);");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aBLog, _d, _dtProj, !reverse, y, accumulate: true, scale: 1f);");
                    w.Close();
                    break;
                case BimambaKind.V2:
                    string scale = m.DivideOut ? "0.5f" : "1f";
                    w.Line("// forward branch: h_t = exp(Δ_t A) h_{t-1} + Δ_t B_t u_t ;  y_t = (C_t h_t + D u_t) · silu(z_t)   (Eq. 2a-2b)");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse, y, accumulate: false, scale: {scale});");
                    w.Line(m.DivideOut
                        ? "// backward branch on the reversed tokens (own conv/x_proj/dt_proj/A/D), kept in original order; (fwd + bwd) / 2"
                        : "// backward branch on the reversed tokens (own conv/x_proj/dt_proj/A/D), kept in original order; fwd + bwd");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1dB, _xProjB, _dtProjB, _aBLog, _dB, DState, !reverse, y, accumulate: true, scale: {scale});");
                    break;
            }
            w.Line("using (y)");
            w.Open("");
            WriteOutProjection(w, m, "y");
            w.Close();
            w.Close();
        }

        /// <summary>
        /// ForwardAt(hidden, position) = row <c>position</c> of Forward(hidden, reverse: false), for a last layer whose
        /// other rows are never read: each scan stops at that row (a scan's row depends only on the rows before it in
        /// its direction) and out_proj projects that row alone.
        /// </summary>
        private static void WriteMixerForwardAt(SourceWriter w, MixerSpec m, BimambaKind kind)
        {
            w.Line("/// <summary>Row <paramref name=\"position\"/> of <see cref=\"Forward\"/>(hidden, reverse: false) alone, (B, D): for a last layer whose other rows are never read.</summary>");
            w.Line("/// <param name=\"hidden\">The normalised block input (B, L, D).</param>");
            w.Line("/// <param name=\"position\">The token whose output is wanted.</param>");
            w.Open($"public {TypeRefs.Tensor} ForwardAt({TypeRefs.Tensor} hidden, int position)");
            w.Line("// the two scans together read every token, so in_proj runs on all of them (as do the convs and x_proj; only the scans stop)");
            w.Line("using var xz = _inProj.Forward(hidden);");
            w.Line($"var y = {TypeRefs.MambaOps}.NewOutput(xz, DInner);");
            switch (kind)
            {
                case BimambaKind.None:
                    w.Line("// the scan's row `position` needs tokens 0..position only");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse: false, y, accumulate: false, scale: 1f, steps: position + 1);");
                    break;
                case BimambaKind.V1:
                    w.Line("// the forward scan's row `position` needs tokens 0..position, the reversed scan's tokens position..L−1");
                    w.Line($"using (var branch = {TypeRefs.MambaOps}.Prepare(xz, _conv1d, _xProj, _dtProj, DState, reverse: false))");
                    w.Open("");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aLog, _d, _dtProj, reverse: false, y, accumulate: false, scale: 1f, steps: position + 1);");
                    w.Line($"{TypeRefs.MambaOps}.Scan(branch, xz, _aBLog, _d, _dtProj, reverse: true, y, accumulate: true, scale: 1f, steps: xz.Shape[1] - position);");
                    w.Close();
                    break;
                case BimambaKind.V2:
                    string scale = m.DivideOut ? "0.5f" : "1f";
                    w.Line("// the forward branch's row `position` needs tokens 0..position, the backward branch's tokens position..L−1");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1d, _xProj, _dtProj, _aLog, _d, DState, reverse: false, y, accumulate: false, scale: {scale}, steps: position + 1);");
                    w.Line($"{TypeRefs.MambaOps}.Branch(xz, _conv1dB, _xProjB, _dtProjB, _aBLog, _dB, DState, reverse: true, y, accumulate: true, scale: {scale}, steps: xz.Shape[1] - position);");
                    break;
            }
            w.Line("using (y)");
            w.Line($"using (var row = {TypeRefs.TokenOps}.SelectToken(y, position))");
            w.Open("");
            WriteOutProjection(w, m, "row");
            w.Close();
            w.Close();
        }

        private static void WriteOutProjection(SourceWriter w, MixerSpec m, string input)
        {
            if (m.InitLayerScale != 0)
            {
                w.Line($"var output = _outProj.Forward({input});");
                w.Line("// layer scale: output · gamma (per channel)");
                w.Line($"{TypeRefs.TensorOps}.MultiplyLastAxisInPlace(output, _gamma.Value);");
                w.Line("return output;");
            }
            else
            {
                w.Line($"return _outProj.Forward({input});");
            }
        }

        /// <param name="withForwardAt">Emit ForwardAt (see <see cref="WriteMixer"/>).</param>
        public static void WriteBlock(SourceWriter w, string className, BlockSpec b, string mixerType, bool withForwardAt = true)
        {
            string norm = b.RmsNorm ? TypeRefs.RmsNorm : TypeRefs.LayerNorm;
            string normName = b.RmsNorm ? "RMSNorm" : "LayerNorm";
            w.Line($"/// <summary>Vim block: add → {normName} (eps {Double(b.NormEpsilon)}) → mixer, {(b.FusedAddNorm ? "fused" : "unfused")} add + norm.</summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {className} : {TypeRefs.Module}");
            w.Line($"private readonly {mixerType} _mixer;   // mixer.*");
            w.Line($"private readonly {norm} _norm;   // norm.{(b.RmsNorm ? "weight" : "{weight,bias}")} (D)");
            w.Line();
            w.Line("/// <summary>Registers <c>mixer.*</c> then <c>norm.*</c>, the official order.</summary>");
            w.Line("/// <param name=\"dModel\">Model width D.</param>");
            w.Line("/// <param name=\"depth\">Number of blocks in the model.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated.</param>");
            w.Open($"public {className}(int dModel, int depth, {TypeRefs.Device} device) : base(device)");
            w.Line($"_mixer = RegisterModule(\"mixer\", new {mixerType}(dModel, depth, device));");
            w.Line($"_norm = RegisterModule(\"norm\", new {norm}(dModel, {Float(b.NormEpsilon)}, device));");
            w.Close();
            w.Line();
            w.Line("/// <summary>residual ← residual + hidden, in place; returns mixer(norm(residual)).   (spec §5.1)</summary>");
            w.Line("/// <param name=\"hidden\">The previous mixer output (B, L, D).</param>");
            w.Line("/// <param name=\"residual\">The running residual (B, L, D), updated in place.</param>");
            w.Line("/// <param name=\"reverse\">Run the mixer on the reversed sequence.</param>");
            w.Open($"public {TypeRefs.Tensor} Forward({TypeRefs.Tensor} hidden, {TypeRefs.Tensor} residual, bool reverse)");
            WriteAddNorm(w, b, normName);
            w.Line("return _mixer.Forward(normed, reverse);");
            w.Close();
            w.Line();
            if (withForwardAt)
            {
                w.Line("/// <summary>Row <paramref name=\"position\"/> of <see cref=\"Forward\"/>(hidden, residual, reverse: false) alone, (B, D); the residual is updated in full.</summary>");
                w.Line("/// <param name=\"hidden\">The previous mixer output (B, L, D).</param>");
                w.Line("/// <param name=\"residual\">The running residual (B, L, D), updated in place.</param>");
                w.Line("/// <param name=\"position\">The token whose output is wanted (the last layer of a model that reads one token).</param>");
                w.Open($"public {TypeRefs.Tensor} ForwardAt({TypeRefs.Tensor} hidden, {TypeRefs.Tensor} residual, int position)");
                WriteAddNorm(w, b, normName);
                w.Line("return _mixer.ForwardAt(normed, position);");
                w.Close();
                w.Line();
            }

            w.Line("/// <summary>mixer(norm(residual)) for a residual that already holds the sum (first layer, bidirectional pairs).</summary>");
            w.Line("/// <param name=\"residual\">The running residual (B, L, D), not modified.</param>");
            w.Line("/// <param name=\"reverse\">Run the mixer on the reversed sequence.</param>");
            w.Open($"public {TypeRefs.Tensor} Mix({TypeRefs.Tensor} residual, bool reverse)");
            w.Line("using var normed = _norm.Forward(residual);");
            w.Line("return _mixer.Forward(normed, reverse);");
            w.Close();
            w.Line();
            ComponentTrainingEmitter.WriteBlock(w, b, mixerType);
            w.Line();
            ComponentOnnxEmitter.WriteBlock(w, b);
            w.Close();
        }

        private static void WriteAddNorm(SourceWriter w, BlockSpec b, string normName)
        {
            if (b.FusedAddNorm)
            {
                w.Line($"// fused add + {normName}: one pass writes residual + hidden and its normalisation (fp32 residual)");
                w.Line("using var normed = _norm.AddForward(hidden, residual);");
            }
            else
            {
                w.Line($"// unfused: residual += hidden, then {normName}(residual) (fp32 residual)");
                w.Line($"{TypeRefs.TensorOps}.AddInPlace(residual, hidden);");
                w.Line("using var normed = _norm.Forward(residual);");
            }
        }

        public static string Describe(MixerSpec m)
        {
            var kind = m.Bimamba switch
            {
                BimambaKind.V1 => "bimamba v1",
                BimambaKind.V2 => m.DivideOut ? "bimamba v2, outputs halved" : "bimamba v2, outputs summed",
                _ => "unidirectional",
            };
            if (!m.UseFastPath && m.Bimamba != BimambaKind.None) kind += " declared, run unidirectional (use_fast_path = false)";
            string rank = m.DtRank > 0 ? Int(m.DtRank) : "auto";
            return $"{kind}; d_state {m.DState}, d_conv {m.DConv}, expand {m.Expand}, dt_rank {rank}";
        }
    }
}

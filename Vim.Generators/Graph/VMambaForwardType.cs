namespace Vim.Generators.Graph
{
    /// <summary>
    /// A parsed <c>forward_type</c> (VMamba spec §7.2): upstream strips suffixes in a fixed order, each at most once,
    /// from the end; <c>v0</c>/<c>v0seq</c> match exactly first; <c>xv*</c> and <c>m*</c> go to other classes.
    /// </summary>
    internal sealed record VMambaForwardType(
        bool Legacy, bool HasGate, bool GateActivation, bool OutActivation, int OutNorm, int[] Traversals, string? Error, string? Broken, string? NotPorted)
    {
        // OutNorm ordinals, as the runtime's OutNorm enum.
        public const int LayerNorm = 0, None = 1, Sigmoid = 2, Softmax = 3, DwConv3 = 4, CNorm = 5;
        public static readonly string[] OutNormNames = { "LayerNorm", "None", "Sigmoid", "Softmax", "DwConv3", "CNorm" };

        private static readonly int[] Cross2d = { 0, 1, 2, 3 };

        public static VMambaForwardType Parse(string text, bool channelFirst)
        {
            if (text == "v0" || text == "v0seq") return new(true, true, true, false, LayerNorm, Cross2d, null, null, null);
            if (text.StartsWith("xv", System.StringComparison.Ordinal))
                return Fail(broken: "the xv* family (SS2Dv3) raises shape errors in its one-by-one cross-scan at HEAD (VMamba spec §7.9)");
            if (text.StartsWith("m", System.StringComparison.Ordinal))
                return Fail(broken: "the m* family (SS2Dm0, Mamba-2 SSD) needs CUDA whenever triton is importable and has no released weights (VMamba spec §7.9)");

            string rest = text;
            bool Strip(string suffix)
            {
                if (!rest.EndsWith(suffix, System.StringComparison.Ordinal)) return false;
                rest = rest.Substring(0, rest.Length - suffix.Length);
                return true;
            }
            Strip("_no32"); // fp32 inputs anyway
            bool oact = Strip("_oact");
            bool noz = Strip("_noz");
            bool nozact = Strip("_nozact");
            int outNorm = Strip("_onnone") ? None
                : Strip("_ondwconv3") ? DwConv3
                : Strip("_oncnorm") ? CNorm
                : Strip("_onsoftmax") ? Softmax
                : Strip("_onsigmoid") ? Sigmoid
                : LayerNorm;
            int[]? traversals = rest switch
            {
                "v01" or "v02" or "v03" or "v04" or "v05" or "v3" => Cross2d,
                "v051d" => new[] { 0, 0, 0, 0 },   // unidi: all four sequences are the row-major one
                "v052d" => new[] { 0, 0, 2, 2 },   // bidi: row-major twice, reversed row-major twice
                _ => null,
            };
            if (rest == "v2")
                return Fail(broken: "'v2' (the VSSM default) asserts at forward since 2024-07-16 because its \"core\" backend was removed; use \"v05_noz\" or \"v03\" (same math)");
            if (rest == "v052d3") return Fail(broken: "'v052d3' (scans=3) is a debug mode that fails at forward");
            if (rest == "v052dc")
            {
                return channelFirst
                    ? Fail(notPorted: "the cascade2d ablation 'v052dc' (no released weights)")
                    : Fail(broken: "'v052dc' (cascade2d) calls view() on a non-contiguous tensor when channel-last (vmamba.py:643); it only runs with NormLayer.Ln2d");
            }
            if (traversals is null)
            {
                string why = rest == "v0" || rest == "v0seq"
                    ? "v0 and v0seq take no suffixes"
                    : $"after stripping the suffixes the base '{rest}' is none of v01…v05, v051d, v052d, v3 (suffix order: base[_on*][_nozact][_noz][_oact][_no32])";
                return new(false, false, false, false, LayerNorm, Cross2d, why, null, null);
            }
            return new(false, !noz, !nozact, oact, outNorm, traversals, null, null, null);
        }

        private static VMambaForwardType Fail(string? broken = null, string? notPorted = null) =>
            new(false, false, false, false, LayerNorm, Cross2d, null, broken, notPorted);
    }
}

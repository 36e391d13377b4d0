using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using Vim.Generators.Graph;
using Vim.Generators.Parsing;
using Vim.Generators.Specs;
using static Vim.Generators.Emit.SourceWriter;

namespace Vim.Generators.Emit
{
    /// <summary>
    /// Writes the class of a declared <c>[SS2D]</c> mixer, <c>[VMambaMlp]</c> or <c>[VssBlock]</c>, specialised to its
    /// options: the mixer to its forward type (gate, out_norm kind, out activation, conv, state-dict order), the MLP to
    /// gated or not, the block to the branches it has. Widths come from the stage that builds it.
    /// </summary>
    internal static class VMambaComponentEmitter
    {
        private const string Ns = "global::Vim.Runtime.Modules.VMamba.";
        private const string DwConv2d = Ns + "DwConv2d";
        private const string Backends = "global::Vim.Runtime.Devices.Backends";
        private static readonly string[] Acts = { "Silu", "Gelu", "Relu", "Sigmoid" };
        private static readonly string[] Norms = { "ln", "ln2d", "bn" };

        private static string Act(int ordinal) => "global::Vim.Dsl.ActLayer." + Acts[ordinal];

        public static void Emit(SourceProductionContext context, VMambaComponentDeclaration declaration) =>
            context.AddSource(declaration.Type.MetadataName.Replace('+', '.') + ".g.cs", SourceText.From(Generate(declaration), System.Text.Encoding.UTF8));

        public static string Generate(VMambaComponentDeclaration d)
        {
            var w = Header.Open(d.Type);
            if (d.Block is not null) WriteBlock(w, d.Type.Name, d.Block);
            else if (d.Mixer is not null) WriteMixer(w, d.Type.Name, d.Mixer);
            else if (d.Mlp is not null) WriteMlp(w, d.Type.Name, d.Mlp);
            return Header.Close(w, d.Type);
        }

        /// <summary>Whether the mixer has any SS2D branch (ssm_ratio &gt; 0).</summary>
        public static bool HasSsm(VMambaMixerSpec m) => m.SsmRatio > 0;

        /// <summary>Whether the block has an MLP branch (an MLP with mlp_ratio &gt; 0).</summary>
        public static bool HasMlp(VssBlockSpec b) => b.Mlp is { MlpRatio: > 0 };

        public static void WriteMixer(SourceWriter w, string className, VMambaMixerSpec m)
        {
            // Channel-first only changes which forward types upstream refuses; the model reports those.
            var ft = VMambaForwardType.Parse(m.ForwardType, channelFirst: false);
            // v0 (SS2Dv0) hard-codes SiLU, a 3×3 conv with bias and the gate.
            int act = ft.Legacy ? 0 : m.SsmActLayer;
            int conv = ft.Legacy ? 3 : m.SsmConv;
            bool convBias = ft.Legacy || m.SsmConvBias;
            string outNorm = VMambaForwardType.OutNormNames[ft.OutNorm];
            string rank = m.SsmDtRank > 0 ? Int(m.SsmDtRank) : "auto";
            w.Line($"/// <summary>");
            w.Line($"/// SS2D, forward type <c>{XmlEscape(m.ForwardType)}</c>: d_state {m.SsmDState}, ssm_ratio {Double(m.SsmRatio)}, dt_rank {rank}, {Acts[act]}, " +
                   (conv > 1 ? $"depthwise conv {conv}×{conv}{(convBias ? " with bias" : "")}" : "no conv") + ",");
            w.Line($"/// {(ft.HasGate ? (ft.GateActivation ? "gate act(z)" : "gate z (no activation)") : "no gate")}, out_norm {outNorm}{(ft.OutActivation ? ", GELU after out_norm" : "")}; d_model comes from the stage.");
            w.Line("/// </summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {className} : {TypeRefs.Module}");
            w.Line($"private const int DState = {Int(m.SsmDState)};");
            w.Line($"private static readonly int[] Traversals = [{string.Join(", ", System.Linq.Enumerable.Select(ft.Traversals, t => Int(t)))}];");
            w.Line();
            w.Line("/// <summary>C, the stage width.</summary>");
            w.Line("public int DModel { get; }");
            w.Line();
            w.Line("/// <summary>D = int(ssm_ratio·C).</summary>");
            w.Line("public int DInner { get; }");
            w.Line();
            w.Line("/// <summary>R, the rank of the Δ projections.</summary>");
            w.Line("public int DtRank { get; }");
            w.Line();
            w.Line($"private readonly {TypeRefs.Parameter} _xProjWeight;     // x_proj_weight (4, R + 2N, D)");
            w.Line($"private readonly {TypeRefs.Parameter} _aLogs;           // A_logs (4D, N)");
            w.Line($"private readonly {TypeRefs.Parameter} _ds;              // Ds (4D)");
            w.Line($"private readonly {TypeRefs.Parameter} _dtProjsWeight;   // dt_projs_weight (4, D, R)");
            w.Line($"private readonly {TypeRefs.Parameter} _dtProjsBias;     // dt_projs_bias (4, D)");
            bool norm = ft.OutNorm == VMambaForwardType.LayerNorm || ft.OutNorm == VMambaForwardType.CNorm;
            bool outConv = ft.OutNorm == VMambaForwardType.DwConv3 || ft.OutNorm == VMambaForwardType.CNorm;
            w.Line($"private readonly {TypeRefs.Linear} _inProj;   // in_proj ({(ft.HasGate ? "2D" : "D")}, C), no bias");
            if (conv > 1) w.Line($"private readonly {DwConv2d} _conv2d;   // conv2d (D, 1, {conv}, {conv})");
            if (norm) w.Line($"private readonly {TypeRefs.LayerNorm} _outNorm;   // out_norm{(ft.OutNorm == VMambaForwardType.CNorm ? ".0" : "")}");
            if (outConv) w.Line($"private readonly {DwConv2d} _outConv;   // out_norm.{(ft.OutNorm == VMambaForwardType.CNorm ? "2" : "1")} (D, 1, 3, 3), no bias");
            w.Line($"private readonly {TypeRefs.Linear} _outProj;   // out_proj (C, D), no bias");
            w.Line();

            // Constructor: the official keys in the official order (v2 family: out_norm before in_proj; v0: after conv2d).
            w.Line("/// <summary>Registers every parameter under its official key, in the official order, initialised as ssm_init says (spec §9).</summary>");
            w.Line("/// <param name=\"dModel\">C, the stage width.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated.</param>");
            w.Open($"public {className}(int dModel, {TypeRefs.Device} device) : base(device)");
            w.Line("DModel = dModel;");
            w.Line($"DInner = (int)({Double(m.SsmRatio)} * dModel);");
            w.Line(m.SsmDtRank > 0 ? $"DtRank = {Int(m.SsmDtRank)};" : "DtRank = (dModel + 15) / 16;   // \"auto\" = ceil(C / 16)");
            w.Line("int d = DInner, r = DtRank;");
            w.Line($"var linear = {TypeRefs.ParameterInit}.TruncatedNormal(0.02);");
            string pi = TypeRefs.ParameterInit;
            var (aInit, dtWInit, dtBInit) = m.SsmInit switch
            {
                1 => ($"{Ns}VMambaInit.Normal(1.0)", $"{Ns}VMambaInit.Normal(0.1)", $"{Ns}VMambaInit.Normal(0.1)"),
                2 => ($"{pi}.Zeros", $"{Ns}VMambaInit.UniformRange(0, 0.1)", $"{Ns}VMambaInit.UniformRange(0, 0.1)"),
                _ => ($"{pi}.ALog", $"{pi}.Uniform(1.0 / {TypeRefs.Math}.Sqrt(r))", $"{pi}.InverseSoftplusDt(0.001, 0.1, 1e-4)"),
            };
            w.Line($"_xProjWeight = RegisterParameter(\"x_proj_weight\", new {TypeRefs.Shape}(4, r + 2 * DState, d), {pi}.Uniform(1.0 / {TypeRefs.Math}.Sqrt(d)));");
            w.Line($"_aLogs = RegisterParameter(\"A_logs\", new {TypeRefs.Shape}(4 * d, DState), {aInit});");
            w.Line($"_ds = RegisterParameter(\"Ds\", new {TypeRefs.Shape}(4 * d), {pi}.Ones);");
            w.Line($"_dtProjsWeight = RegisterParameter(\"dt_projs_weight\", new {TypeRefs.Shape}(4, d, r), {dtWInit});");
            w.Line($"_dtProjsBias = RegisterParameter(\"dt_projs_bias\", new {TypeRefs.Shape}(4, d), {dtBInit});");
            if (!ft.Legacy) WriteOutNormRegistration(w, ft.OutNorm);
            w.Line($"_inProj = RegisterModule(\"in_proj\", new {TypeRefs.Linear}(dModel, {(ft.HasGate ? "2 * d" : "d")}, bias: false, device, linear));");
            if (conv > 1) w.Line($"_conv2d = RegisterModule(\"conv2d\", new {DwConv2d}(d, {Int(conv)}, bias: {Bool(convBias)}, device));");
            if (ft.Legacy) WriteOutNormRegistration(w, ft.OutNorm);
            w.Line($"_outProj = RegisterModule(\"out_proj\", new {TypeRefs.Linear}(d, dModel, bias: false, device, linear));");
            w.Close();
            w.Line();

            // Forward: only the steps this forward type has.
            w.Line("/// <summary>x (B, H, W, C), already normalised by the block → (B, H, W, C).   (spec §7.3)</summary>");
            w.Open($"public {TypeRefs.Tensor} Forward({TypeRefs.Tensor} x)");
            w.Line($"var backend = {Backends}.For(x.Device);");
            w.Line(ft.HasGate ? "// t = in_proj(x) = [u | z]: (B, H, W, 2D)" : "// t = u = in_proj(x): (B, H, W, D)");
            w.Line("using var t = _inProj.Forward(x);");
            if (conv > 1)
            {
                w.Line($"// u = {Acts[act].ToLowerInvariant()}(dwconv{conv}(u))");
                w.Line("using var u = _conv2d.Forward(t);");
            }
            else
            {
                w.Line($"// u = {Acts[act].ToLowerInvariant()}(u), no conv");
                w.Line("using var u = backend.SliceChannels(t, 0, DInner);");
            }
            w.Line($"backend.ActivationInPlace(u, {Act(act)});");
            w.Line("// P_k = x_proj[k] · u ; Δraw_k = dt_projs[k] · P_k[:R], then four selective scans merged on the grid   (§7.5–7.7)");
            w.Line("var (proj, delta) = backend.DirectionProjections(u, _xProjWeight, _dtProjsWeight);");
            w.Line($"{TypeRefs.Tensor} y;");
            w.Line("using (proj)");
            w.Line("using (delta)");
            w.Line("{");
            w.Line("    y = backend.CrossScan(u, proj, delta, _dtProjsBias, _aLogs, _ds, DtRank, DState, Traversals);");
            w.Line("}");
            switch (ft.OutNorm)
            {
                case VMambaForwardType.LayerNorm:
                    w.Line("// out_norm: LayerNorm(D)");
                    w.Line("y = Replace(y, _outNorm.Forward(y));");
                    break;
                case VMambaForwardType.Sigmoid:
                    w.Line("// out_norm: sigmoid");
                    w.Line($"backend.ActivationInPlace(y, {Act(3)});");
                    break;
                case VMambaForwardType.Softmax:
                    w.Line("// out_norm: softmax over the H·W positions");
                    w.Line("backend.SpatialSoftmaxInPlace(y);");
                    break;
                case VMambaForwardType.DwConv3:
                    w.Line("// out_norm: depthwise 3×3 conv");
                    w.Line("y = Replace(y, _outConv.Forward(y));");
                    break;
                case VMambaForwardType.CNorm:
                    w.Line("// out_norm: LayerNorm(D) then depthwise 3×3 conv");
                    w.Line("y = Replace(y, _outNorm.Forward(y));");
                    w.Line("y = Replace(y, _outConv.Forward(y));");
                    break;
                default:
                    w.Line("// out_norm: none");
                    break;
            }
            if (ft.OutActivation) w.Line($"backend.ActivationInPlace(y, {Act(1)});   // _oact");
            if (ft.HasGate)
            {
                w.Line(ft.GateActivation ? "// y · act(z)" : "// y · z (_nozact)");
                w.Line($"backend.GateInPlace(y, t, DInner, {(ft.GateActivation ? Act(act) : "null")});");
            }
            w.Line("using (y)");
            w.Line("{");
            w.Line("    return _outProj.Forward(y);");
            w.Line("}");
            w.Close();
            w.Line();
            VMambaComponentTrainingEmitter.WriteMixer(w, ft, act, conv);
            w.Line();
            VMambaComponentOnnxEmitter.WriteMixer(w, ft, Act(act), conv);
            if (ft.OutNorm is VMambaForwardType.LayerNorm or VMambaForwardType.DwConv3 or VMambaForwardType.CNorm)
            {
                w.Line();
                w.Line($"private static {TypeRefs.Tensor} Replace({TypeRefs.Tensor} old, {TypeRefs.Tensor} next)");
                w.Line("{");
                w.Line("    old.Dispose();");
                w.Line("    return next;");
                w.Line("}");
            }
            w.Close();
        }

        private static void WriteOutNormRegistration(SourceWriter w, int outNorm)
        {
            switch (outNorm)
            {
                case VMambaForwardType.LayerNorm:
                    w.Line($"_outNorm = RegisterModule(\"out_norm\", new {TypeRefs.LayerNorm}(d, 1E-05f, device));");
                    break;
                case VMambaForwardType.DwConv3:
                    w.Line($"_outConv = RegisterModule(\"out_norm.1\", new {DwConv2d}(d, 3, bias: false, device));");
                    break;
                case VMambaForwardType.CNorm:
                    w.Line($"_outNorm = RegisterModule(\"out_norm.0\", new {TypeRefs.LayerNorm}(d, 1E-05f, device));");
                    w.Line($"_outConv = RegisterModule(\"out_norm.2\", new {DwConv2d}(d, 3, bias: false, device));");
                    break;
            }
        }

        public static void WriteMlp(SourceWriter w, string className, VMambaMlpSpec m)
        {
            w.Line($"/// <summary>{(m.Gmlp ? "gMlp" : "Mlp")}: fc1 → {(m.Gmlp ? "[a | g], fc2(a · " + Acts[m.MlpActLayer] + "(g))" : Acts[m.MlpActLayer] + " → fc2")}, hidden = int(C·{Double(m.MlpRatio)}); C comes from the stage.</summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {className} : {TypeRefs.Module}");
            w.Line("/// <summary>Hidden width int(C·mlp_ratio).</summary>");
            w.Line("public int Hidden { get; }");
            w.Line();
            w.Line($"private readonly {TypeRefs.Linear} _fc1;   // fc1 ({(m.Gmlp ? "2·hidden" : "hidden")}, C)");
            w.Line($"private readonly {TypeRefs.Linear} _fc2;   // fc2 (C, hidden)");
            w.Line();
            w.Line("/// <summary>Registers <c>fc1.*</c> and <c>fc2.*</c>.</summary>");
            w.Line("/// <param name=\"dim\">C, the stage width.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated.</param>");
            w.Open($"public {className}(int dim, {TypeRefs.Device} device) : base(device)");
            w.Line($"Hidden = (int)(dim * {Double(m.MlpRatio)});");
            w.Line($"var init = {TypeRefs.ParameterInit}.TruncatedNormal(0.02);");
            w.Line($"_fc1 = RegisterModule(\"fc1\", new {TypeRefs.Linear}(dim, {(m.Gmlp ? "2 * Hidden" : "Hidden")}, bias: true, device, init));");
            w.Line($"_fc2 = RegisterModule(\"fc2\", new {TypeRefs.Linear}(Hidden, dim, bias: true, device, init));");
            w.Close();
            w.Line();
            w.Line("/// <summary>x (…, C) → (…, C).   (spec §6.1–6.2)</summary>");
            w.Open($"public {TypeRefs.Tensor} Forward({TypeRefs.Tensor} x)");
            w.Line($"var backend = {Backends}.For(x.Device);");
            w.Line("using var h = _fc1.Forward(x);");
            if (m.Gmlp)
            {
                w.Line("// a · act(g), [a | g] = fc1(x)");
                w.Line("using var a = backend.SliceChannels(h, 0, Hidden);");
                w.Line($"backend.GateInPlace(a, h, Hidden, {Act(m.MlpActLayer)});");
                w.Line("return _fc2.Forward(a);");
            }
            else
            {
                w.Line($"backend.ActivationInPlace(h, {Act(m.MlpActLayer)});");
                w.Line("return _fc2.Forward(h);");
            }
            w.Close();
            w.Line();
            VMambaComponentTrainingEmitter.WriteMlp(w, m);
            w.Line();
            VMambaComponentOnnxEmitter.WriteMlp(w, m.Gmlp, Act(m.MlpActLayer));
            w.Close();
        }

        public static void WriteBlock(SourceWriter w, string className, VssBlockSpec b)
        {
            bool ssm = HasSsm(b.Mixer), mlp = HasMlp(b);
            string mixer = b.Mixer.TypeName, mlpType = b.Mlp?.TypeName ?? "";
            string branches = (ssm ? "x += op(norm(x))" : "") + (ssm && mlp ? "; " : "") + (mlp ? "x += mlp(norm2(x))" : "") + (!ssm && !mlp ? "identity (no branch)" : "");
            w.Line($"/// <summary>VSS block, norm {Norms[b.NormLayer]}: {branches} (DropPath is the identity at inference).</summary>");
            w.Line(GeneratedCode);
            w.Open($"partial class {className} : {TypeRefs.Module}");
            if (ssm)
            {
                w.Line($"private readonly {TypeRefs.LayerNorm} _norm;   // norm (C)");
                w.Line($"private readonly {mixer} _op;   // op.*");
            }
            if (mlp)
            {
                w.Line($"private readonly {TypeRefs.LayerNorm} _norm2;   // norm2 (C)");
                w.Line($"private readonly {mlpType} _mlp;   // mlp.*");
            }
            w.Line();
            w.Line("/// <summary>Registers the branches this block has, in the official order.</summary>");
            w.Line("/// <param name=\"dim\">C, the stage width.</param>");
            w.Line("/// <param name=\"device\">Where the parameters are allocated.</param>");
            w.Open($"public {className}(int dim, {TypeRefs.Device} device) : base(device)");
            if (ssm)
            {
                w.Line($"_norm = RegisterModule(\"norm\", new {TypeRefs.LayerNorm}(dim, 1E-05f, device));");
                w.Line($"_op = RegisterModule(\"op\", new {mixer}(dim, device));");
            }
            if (mlp)
            {
                w.Line($"_norm2 = RegisterModule(\"norm2\", new {TypeRefs.LayerNorm}(dim, 1E-05f, device));");
                w.Line($"_mlp = RegisterModule(\"mlp\", new {mlpType}(dim, device));");
            }
            w.Close();
            w.Line();
            w.Line($"/// <summary>Updates x (B, H, W, C) in place: {branches}.   (spec §6)</summary>");
            w.Open($"public void ForwardInPlace({TypeRefs.Tensor} x)");
            if (ssm || mlp) w.Line($"var backend = {Backends}.For(x.Device);");
            if (ssm)
            {
                w.Line("// x = x + op(norm(x))");
                w.Line("using (var normed = _norm.Forward(x))");
                w.Line("using (var mixed = _op.Forward(normed))");
                w.Line("{");
                w.Line("    backend.AddInPlace(x, mixed);");
                w.Line("}");
            }
            if (mlp)
            {
                w.Line("// x = x + mlp(norm2(x))");
                w.Line("using (var normed = _norm2.Forward(x))");
                w.Line("using (var hidden = _mlp.Forward(normed))");
                w.Line("{");
                w.Line("    backend.AddInPlace(x, hidden);");
                w.Line("}");
            }
            w.Close();
            w.Line();
            VMambaComponentTrainingEmitter.WriteBlock(w, b, ssm, mlp, mixer, mlpType);
            w.Line();
            VMambaComponentOnnxEmitter.WriteBlock(w, ssm, mlp);
            w.Close();
        }
    }
}

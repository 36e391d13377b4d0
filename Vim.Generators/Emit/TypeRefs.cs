namespace Vim.Generators.Emit
{
    /// <summary>Every runtime type the generated code names, global::-qualified, in one place.</summary>
    internal static class TypeRefs
    {
        public const string Module = "global::Vim.Runtime.Modules.Module";
        public const string Parameter = "global::Vim.Runtime.Modules.Parameter";
        public const string ParameterInit = "global::Vim.Runtime.Modules.ParameterInit";
        public const string Linear = "global::Vim.Runtime.Modules.Linear";
        public const string PatchEmbed = "global::Vim.Runtime.Modules.PatchEmbed";
        public const string RmsNorm = "global::Vim.Runtime.Modules.RmsNorm";
        public const string LayerNorm = "global::Vim.Runtime.Modules.LayerNorm";
        public const string DepthwiseConv1d = "global::Vim.Runtime.Modules.DepthwiseConv1d";
        public const string RotaryEmbedding = "global::Vim.Runtime.Modules.RotaryEmbedding2d";
        public const string Tensor = "global::Vim.Runtime.Tensors.Tensor";
        public const string Shape = "global::Vim.Runtime.Tensors.Shape";
        public const string Device = "global::Vim.Runtime.Devices.Device";
        public const string TensorOps = "global::Vim.Runtime.Ops.TensorOps";
        public const string TokenOps = "global::Vim.Runtime.Ops.TokenOps";
        public const string MambaOps = "global::Vim.Runtime.Ops.MambaOps";
        public const string ImageModel = "global::Vim.Runtime.Modules.ImageModel";
        public const string FeatureInfo = "global::Vim.Runtime.Modules.FeatureInfo";
        public const string FeatureSelection = "global::Vim.Runtime.Modules.FeatureSelection";
        public const string FeatureSource = "global::Vim.Runtime.Modules.FeatureSource";
        public const string TensorList = "global::System.Collections.Generic.IReadOnlyList<global::Vim.Runtime.Tensors.Tensor>";
        public const string NewTensorList = "new global::System.Collections.Generic.List<global::Vim.Runtime.Tensors.Tensor>";
        public const string ModelInfo = "global::Vim.Runtime.Registry.ModelInfo";
        public const string ModelOverrides = "global::Vim.Runtime.Registry.ModelOverrides";
        public const string ModelInput = "global::Vim.Runtime.Registry.ModelInput";
        public const string Models = "global::Vim.Runtime.Registry.Models";
        public const string Math = "global::System.Math";
        public const string ActivationStore = "global::Vim.Runtime.Training.ActivationStore";
        public const string TrainingContext = "global::Vim.Runtime.Training.TrainingContext";
        public const string OnnxGraph = "global::Vim.Runtime.Onnx.OnnxGraphBuilder";
        public const string OnnxOps = "global::Vim.Runtime.Onnx.OnnxOps";
        public const string OnnxMamba = "global::Vim.Runtime.Onnx.OnnxMamba";
        public const string TrainOps = "global::Vim.Runtime.Ops.TrainOps";
    }
}

namespace Vim.Kernels.Cpu;

/// <summary>What <see cref="Elementwise.GateRows"/> applies to the gate before multiplying.</summary>
public enum GateActivation
{
    /// <summary>The gate as it is.</summary>
    None,

    /// <summary>x·sigmoid(x).</summary>
    Silu,

    /// <summary>The exact erf form.</summary>
    Gelu,

    /// <summary>max(x, 0).</summary>
    Relu,

    /// <summary>1 / (1 + e^−x).</summary>
    Sigmoid,
}

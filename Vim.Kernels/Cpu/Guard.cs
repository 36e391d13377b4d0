// Argument validation shared by the kernels: every check throws an ArgumentException whose
// message names the kernel and the sizes involved, so a shape bug is diagnosable from the message.
namespace Vim.Kernels.Cpu;

internal static class Guard
{
    public static void Positive(string kernel, string name, int value)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{kernel}: {name} must be positive, got {value}.", name);
        }
    }

    public static void NonNegative(string kernel, string name, int value)
    {
        if (value < 0)
        {
            throw new ArgumentException($"{kernel}: {name} must be non-negative, got {value}.", name);
        }
    }

    /// <summary>Checks a strided 2-D view: rows of <paramref name="cols"/> elements spaced <paramref name="ld"/> apart.</summary>
    public static void Matrix(string kernel, string name, int length, int rows, int cols, int ld)
    {
        if (ld < cols)
        {
            throw new ArgumentException($"{kernel}: row stride of {name} ({ld}) is smaller than its row width ({cols}).", name);
        }

        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need)
        {
            throw new ArgumentException(
                $"{kernel}: {name} has {length} elements but a {rows}x{cols} view with row stride {ld} needs {need}.", name);
        }
    }

    public static void AtLeast(string kernel, string name, int length, long need, string shape)
    {
        if (length < need)
        {
            throw new ArgumentException($"{kernel}: {name} has {length} elements but shape {shape} needs {need}.", name);
        }
    }

    public static void Exactly(string kernel, string name, int length, long need, string shape)
    {
        if (length != need)
        {
            throw new ArgumentException($"{kernel}: {name} has {length} elements but shape {shape} needs exactly {need}.", name);
        }
    }

    public static void OptionalExactly(string kernel, string name, int length, long need, string shape)
    {
        if (length != 0 && length != need)
        {
            throw new ArgumentException(
                $"{kernel}: {name} must be empty or have {need} elements for shape {shape}, got {length}.", name);
        }
    }
}

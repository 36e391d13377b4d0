using Vim.Runtime.Modules;

namespace Vim.Runtime.Training;

/// <summary>Gradient clipping by global norm, as <c>torch.nn.utils.clip_grad_norm_</c> (the recipes' <c>--clip-grad</c>).</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all the parameters' gradients taken together (parameters without one count as zero).</summary>
    public static double GlobalNorm(IEnumerable<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        double sum = 0;
        foreach (var p in parameters)
        {
            if (p.Grad is null) continue;
            foreach (float g in p.Grad.ToArray()) sum += (double)g * g;
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Scales every gradient by max_norm / (norm + 1e-6) when the global norm exceeds <paramref name="maxNorm"/>; returns the
    /// norm before clipping (NaN or infinite when a gradient is, and then nothing is scaled).
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), $"The clipping norm {maxNorm} must be positive.");
        var list = parameters.ToList();
        double norm = GlobalNorm(list);
        double scale = maxNorm / (norm + 1e-6);
        if (!double.IsFinite(norm) || scale >= 1) return norm;
        foreach (var p in list)
        {
            if (p.Grad is null) continue;
            var g = p.Grad.Span;
            for (int i = 0; i < g.Length; i++) g[i] = (float)(g[i] * scale);
        }
        return norm;
    }
}

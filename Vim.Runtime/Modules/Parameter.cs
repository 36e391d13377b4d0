using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>A named, shaped tensor of a module: a learned weight or a persistent buffer (both appear in the state dict).</summary>
public sealed class Parameter
{
    private Tensor _value;

    internal Parameter(string name, Shape shape, ParameterInit init, Device device, bool isBuffer)
    {
        Name = name;
        Shape = shape;
        Init = init;
        IsBuffer = isBuffer;
        _value = Tensor.Zeros(shape, device);
    }

    /// <summary>The key relative to its module (e.g. <c>A_log</c>).</summary>
    public string Name { get; }

    /// <summary>The shape the model expects.</summary>
    public Shape Shape { get; }

    /// <summary>How a fresh model fills it (the official initialisation).</summary>
    public ParameterInit Init { get; }

    /// <summary>Whether this is a persistent buffer (e.g. RoPE tables) rather than a learned weight.</summary>
    public bool IsBuffer { get; }

    /// <summary>
    /// Whether backward passes compute this tensor's gradient: true for learned weights unless frozen (a linear probe
    /// freezes the trunk), always false for buffers.
    /// </summary>
    /// <exception cref="InvalidOperationException">Asked to compute a buffer's gradient.</exception>
    public bool RequiresGrad
    {
        get => !IsBuffer && _requiresGrad;
        set
        {
            if (value && IsBuffer) throw new InvalidOperationException($"Parameter '{Name}' is a buffer (not learned); it has no gradient.");
            _requiresGrad = value;
        }
    }

    private bool _requiresGrad = true;

    /// <summary>
    /// ∂loss/∂value summed over the backward passes since the last <see cref="ZeroGrad"/>, on the value's device; null
    /// until a backward pass first reaches it.
    /// </summary>
    public Tensor? Grad { get; private set; }

    /// <summary>The gradient to accumulate into: zeros on the value's device the first time.</summary>
    internal Tensor GradForAccumulation() => Grad ??= Tensor.Zeros(Shape, _value.Device);

    /// <summary>Sets the gradient to zero (keeping its storage), as before a new accumulation.</summary>
    public void ZeroGrad()
    {
        if (Grad is null) return;
        if (Grad.Device.Kind == DeviceKind.Cpu) Grad.Span.Clear();
        else Backends.For(Grad.Device).Fill(Grad, 0f);
    }

    /// <summary>Drops the gradient's storage (after training, or before moving the parameter).</summary>
    public void ClearGrad()
    {
        Grad?.Dispose();
        Grad = null;
    }

    /// <summary>Incremented whenever the value changes, so backends can cache derived forms (packed weights).</summary>
    public int Version { get; private set; }

    /// <summary>A backend's cached derived form of the value, valid while <see cref="CacheVersion"/> equals <see cref="Version"/>.</summary>
    internal object? BackendCache { get; set; }

    /// <summary>The <see cref="Version"/> that <see cref="BackendCache"/> was computed from.</summary>
    internal int CacheVersion { get; set; } = -1;

    /// <summary>
    /// A backend's derived form of the value (a packed weight, −exp(A_log), a bf16 copy): the cached one while the value
    /// is unchanged and <paramref name="usable"/> (when given) accepts it, else a new one from <paramref name="make"/>,
    /// which then replaces it. A replaced form that holds resources (device memory) is disposed at once.
    /// </summary>
    internal T Derived<T>(Func<Parameter, T> make, Func<T, bool>? usable = null) where T : class
    {
        if (BackendCache is T cached && CacheVersion == Version && (usable is null || usable(cached))) return cached;
        var made = make(this);
        if (!ReferenceEquals(BackendCache, made)) ReleaseCache();
        BackendCache = made;
        CacheVersion = Version;
        return made;
    }

    // The GPU's forms free their device memory in CudaStorage's stream order, so work already queued with them
    // finishes first; without this they would wait for the finaliser.
    private void ReleaseCache()
    {
        (BackendCache as IDisposable)?.Dispose();
        BackendCache = null;
    }

    /// <summary>The current value.</summary>
    /// <exception cref="ArgumentException">A new value has another shape.</exception>
    public Tensor Value
    {
        get => _value;
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (value.Shape != Shape) throw new ArgumentException($"Parameter '{Name}': expected shape {Shape}, got {value.Shape}.");
            var old = _value;
            _value = value.Device == old.Device ? value : value.To(old.Device);
            if (!ReferenceEquals(old, _value)) old.Dispose();
            MarkChanged();
        }
    }

    /// <summary>Invalidates cached derived forms after the value was modified in place.</summary>
    public void MarkChanged()
    {
        Version++;
        ReleaseCache();
    }

    internal void MoveTo(Device device)
    {
        if (_value.Device == device) return;
        ClearGrad();
        var moved = _value.To(device);
        _value.Dispose();
        _value = moved;
        MarkChanged();
    }
}

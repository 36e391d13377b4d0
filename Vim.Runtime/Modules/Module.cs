using Vim.Runtime.Devices;
using Vim.Runtime.Tensors;

namespace Vim.Runtime.Modules;

/// <summary>
/// A node of the model tree that owns parameters and child modules under official state-dict names. Generated
/// model code registers every tensor explicitly; nothing is discovered by reflection.
/// </summary>
public abstract partial class Module
{
    private readonly List<(string Name, Parameter Parameter)> _parameters = [];
    private readonly List<(string Name, Module Module)> _children = [];

    /// <summary>Creates a module whose parameters are allocated on <paramref name="device"/>.</summary>
    protected Module(Device device)
    {
        if (device.Kind == DeviceKind.Cuda)
        {
            // Parameters are built and initialised on the host, then moved with To().
            throw new ArgumentException($"Modules are built on the CPU (or the meta device) and moved with To({device}).", nameof(device));
        }
        Device = device;
    }

    /// <summary>Where the parameters live.</summary>
    public Device Device { get; private set; }

    /// <summary>Registers an own tensor under <paramref name="name"/> (a key relative to this module).</summary>
    protected Parameter RegisterParameter(string name, Shape shape, ParameterInit init)
    {
        var parameter = new Parameter(name, shape, init, Device, isBuffer: false);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a persistent buffer (in the state dict, not learned, not re-initialised).</summary>
    protected Parameter RegisterBuffer(string name, Shape shape)
    {
        var parameter = new Parameter(name, shape, ParameterInit.Zeros, Device, isBuffer: true);
        _parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Registers a child module; its keys are prefixed with <paramref name="name"/> and a dot.</summary>
    protected T RegisterModule<T>(string name, T module)
        where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        _children.Add((name, module));
        return module;
    }

    /// <summary>
    /// Every parameter and persistent buffer with its full key, in PyTorch's <c>state_dict()</c> order: a module's
    /// own tensors in registration order, then each child's, recursively.
    /// </summary>
    public IEnumerable<KeyValuePair<string, Parameter>> NamedParameters() => Walk("");

    private IEnumerable<KeyValuePair<string, Parameter>> Walk(string prefix)
    {
        foreach (var (name, parameter) in _parameters) yield return new(prefix + name, parameter);
        foreach (var (name, child) in _children)
        {
            foreach (var pair in child.Walk(prefix + name + ".")) yield return pair;
        }
    }

    /// <summary>Number of learned elements (buffers excluded).</summary>
    public long ParameterCount => NamedParameters().Where(p => !p.Value.IsBuffer).Sum(p => p.Value.Shape.Numel);

    /// <summary>Fills every learned parameter as the official code initialises it, from <paramref name="seed"/>; buffers keep their computed values.</summary>
    public void Initialize(int seed)
    {
        if (Device.Kind == DeviceKind.Meta) return;
        var random = new Random(seed);
        foreach (var (_, parameter) in NamedParameters())
        {
            if (parameter.IsBuffer) continue;
            if (parameter.Value.Device.Kind == DeviceKind.Cpu)
            {
                parameter.Init.Fill(parameter.Value.Span, parameter.Shape, random);
                parameter.MarkChanged();
            }
            else
            {
                var host = new float[parameter.Shape.Numel];
                parameter.Init.Fill(host, parameter.Shape, random);
                parameter.Value = Tensor.Wrap(host, parameter.Shape);
            }
        }
    }

    /// <summary>Moves every parameter to <paramref name="device"/>; returns this module.</summary>
    public Module To(Device device)
    {
        if (device.Kind != DeviceKind.Meta && device.Kind != DeviceKind.Cpu) Backends.For(device); // fail early and clearly
        ChangingValues(() =>
        {
            foreach (var (_, parameter) in NamedParameters()) parameter.MoveTo(device);
            SetDevice(device);
        });
        return this;
    }

    private void SetDevice(Device device)
    {
        Device = device;
        foreach (var (_, child) in _children) child.SetDevice(device);
    }

    /// <summary>The current values under their official keys, in state-dict order (the tensors are the model's own).</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> StateDict() =>
        NamedParameters().Select(p => new KeyValuePair<string, Tensor>(p.Key, p.Value.Value)).ToList();
}

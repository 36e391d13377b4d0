using System.Reflection;
using System.Runtime.Loader;

namespace Vim.PerfAB;

/// <summary>
/// One build of Vim.Runtime in an AssemblyLoadContext of its own, with a model and an input of random images ready.
/// Everything goes through reflection: the two builds' types are distinct even where their names agree.
/// </summary>
internal sealed class RuntimeBuild
{
    private readonly object model;
    private readonly MethodInfo forward;
    private readonly object input;

    public RuntimeBuild(string directory, Options options)
    {
        var context = new BuildContext(Path.GetFullPath(directory));
        var runtime = context.LoadFromAssemblyName(new AssemblyName("Vim.Runtime"));
        var kernels = context.LoadFromAssemblyName(new AssemblyName("Vim.Kernels"));
        Type Get(Assembly assembly, string name) => assembly.GetType(name, throwOnError: true)!;
        Get(kernels, "Vim.Kernels.Cpu.KernelThreading").GetProperty("MaxDegreeOfParallelism")!.SetValue(null, options.Threads);

        var info = Get(runtime, "Vim.Runtime.Registry.Models").GetMethod("Get", [typeof(string)])!.Invoke(null, [options.Model])!;
        int channels = (int)info.GetType().GetProperty("Channels")!.GetValue(info)!;
        int height = (int)info.GetType().GetProperty("ImgHeight")!.GetValue(info)!;
        int width = (int)info.GetType().GetProperty("ImgWidth")!.GetValue(info)!;
        var create = Get(runtime, "Vim.Runtime.Registry.Models").GetMethods().Single(m => m.Name == "Create" && m.GetParameters()[0].ParameterType == typeof(string));
        model = create.Invoke(null, [options.Model, .. Enumerable.Repeat(Type.Missing, create.GetParameters().Length - 1)])!;

        var tensor = Get(runtime, "Vim.Runtime.Tensors.Tensor");
        var data = new float[options.Batch * channels * height * width];
        var random = new Random(0);
        for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
        input = tensor.GetMethod("FromArray", [typeof(float[]), typeof(int[])])!.Invoke(null, [data, new[] { options.Batch, channels, height, width }])!;
        forward = model.GetType().GetMethod("Forward", [tensor])!;
    }

    /// <summary>One forward pass; its output is disposed, as a caller that only times it would.</summary>
    public void Pass() => ((IDisposable)forward.Invoke(model, [input])!).Dispose();

    /// <summary>Resolves this build's assemblies from its directory; everything else (the framework) is shared.</summary>
    private sealed class BuildContext(string directory) : AssemblyLoadContext(isCollectible: false)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string path = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

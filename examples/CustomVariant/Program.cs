using System.Globalization;
using Vim.Runtime.Modules;
using Vim.Runtime.Registry;
using Vim.Runtime.Tensors;

// Both models below are declared in Variants.cs; the generator registered them with the runtime's registry.
foreach (var info in Models.List("vim_custom_*"))
{
    var model = Models.Create(info.Name); // CPU, fresh weights (seed 0)
    PrintParameters(model);
    RunOnce(model);
    Console.WriteLine();
}

static void PrintParameters(ImageModel model)
{
    var info = model.Info;
    Console.WriteLine($"{info.Name} ({model.GetType().Name}): input {info.Channels}x{info.ImgHeight}x{info.ImgWidth}, {info.NumClasses} classes");
    var rows = model.NamedParameters().ToList();
    int keyWidth = rows.Max(r => r.Key.Length), shapeWidth = rows.Max(r => r.Value.Shape.ToString().Length);
    Console.WriteLine($"  {"key".PadRight(keyWidth)}  {"shape".PadRight(shapeWidth)}  {"count",9}");
    foreach (var (key, parameter) in rows)
    {
        string count = parameter.Shape.Numel.ToString("N0", CultureInfo.InvariantCulture) + (parameter.IsBuffer ? " (buffer)" : "");
        Console.WriteLine($"  {key.PadRight(keyWidth)}  {parameter.Shape.ToString().PadRight(shapeWidth)}  {count,9}");
    }
    Console.WriteLine($"  total: {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} parameters in {rows.Count} tensors (registry says {info.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)})");
}

static void RunOnce(ImageModel model)
{
    var info = model.Info;
    const int batch = 2;
    var random = new Random(0);
    var data = new float[batch * info.Channels * info.ImgHeight * info.ImgWidth];
    for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() * 2 - 1);
    using var x = Tensor.FromArray(data, batch, info.Channels, info.ImgHeight, info.ImgWidth);
    using var logits = model.Forward(x);
    var values = logits.ToArray();
    Console.WriteLine($"  forward {x.Shape} -> logits {logits.Shape}; first row: [{string.Join(", ", values.Take(info.NumClasses).Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}]");
}

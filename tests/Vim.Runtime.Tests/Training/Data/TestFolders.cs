using Vim.Runtime.Imaging;

namespace Vim.Runtime.Tests.Training.Data;

/// <summary>Image folders written for a test into a fresh temporary directory, deleted on dispose.</summary>
internal sealed class TestFolders : IDisposable
{
    public TestFolders() => Root = Directory.CreateTempSubdirectory("vim-data-").FullName;

    public string Root { get; }

    /// <summary>Writes <paramref name="perClass"/> random RGB PNGs of <paramref name="size"/>² into Root/split/class_k for each class.</summary>
    public string Write(string split, int classes, int perClass, int size, int seed)
    {
        var rng = new Random(seed);
        string dir = Path.Combine(Root, split);
        for (int c = 0; c < classes; c++)
        {
            string cls = Path.Combine(dir, $"class_{c}");
            Directory.CreateDirectory(cls);
            for (int i = 0; i < perClass; i++)
            {
                var pixels = new byte[size * size * 3];
                rng.NextBytes(pixels);
                // a class-dependent bright band, so a model can learn something
                for (int y = c * size / classes; y < (c + 1) * size / classes; y++)
                {
                    for (int x = 0; x < size * 3; x++) pixels[y * size * 3 + x] = (byte)(200 + pixels[y * size * 3 + x] % 56);
                }
                PngEncoder.Save(new Image(size, size, 3, pixels), Path.Combine(cls, $"{i:D3}.png"));
            }
        }
        return dir;
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

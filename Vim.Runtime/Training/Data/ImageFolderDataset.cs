using Vim.Runtime.Imaging;

namespace Vim.Runtime.Training.Data;

/// <summary>
/// torchvision's <c>ImageFolder</c> layout: one subfolder per class (classes in ordinal order of their names), image files
/// (PNG, JPEG) inside, in ordinal order of their paths. Files of other types are ignored; files whose first bytes are not a
/// PNG or JPEG signature are skipped: both are counted in <see cref="Skipped"/> for the caller to report. A file that has
/// the signature but fails to decode is refused when read, with its path.
/// Decoded images are kept in memory up to a budget, so a small dataset is read from disk and decoded once, not every
/// epoch (opening the files dominated the loading time of a 32×32 dataset). The images a read returns are shared with
/// later reads: transforms treat them as read-only, as every transform here does.
/// </summary>
public sealed class ImageFolderDataset : Dataset
{
    /// <summary>The default budget of decoded images kept in memory: 1 GiB of pixels.</summary>
    public const long DefaultCacheBytes = 1L << 30;

    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];
    private readonly List<(string Path, int Label)> _files = [];
    private readonly Image?[] _cache;
    private readonly long _cacheBudget;
    private long _cachedBytes;

    /// <summary>Scans <paramref name="root"/>, or only the class folders named in <paramref name="only"/> (a subset of the classes, in ordinal order).</summary>
    /// <param name="root">The folder with one subfolder per class.</param>
    /// <param name="only">The classes to keep; all when null.</param>
    /// <param name="cacheBytes">Decoded pixels kept in memory for later reads (0: none); images beyond it are read again each time.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No class folder, a class folder without images, or a class of <paramref name="only"/> that is not there.</exception>
    public ImageFolderDataset(string root, IReadOnlyCollection<string>? only = null, long cacheBytes = DefaultCacheBytes)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentOutOfRangeException.ThrowIfNegative(cacheBytes);
        _cacheBudget = cacheBytes;
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        Root = root;
        var classes = Directory.GetDirectories(root).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0) throw new InvalidDataException($"{root} has no class folders: expected one subfolder per class with images inside.");
        if (only is not null)
        {
            var absent = only.Where(c => !classes.Contains(c, StringComparer.Ordinal)).ToList();
            if (absent.Count > 0) throw new InvalidDataException($"{root} has no class folder '{absent[0]}'; its classes are {string.Join(", ", classes.Take(20))}{(classes.Count > 20 ? ", …" : "")}.");
            classes = classes.Where(only.Contains).ToList();
            if (classes.Count == 0) throw new InvalidDataException("The class subset is empty.");
        }
        var skipped = new List<string>();
        for (int label = 0; label < classes.Count; label++)
        {
            string dir = Path.Combine(root, classes[label]);
            int found = 0;
            foreach (string file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (!Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    skipped.Add($"{file} (not .png/.jpg/.jpeg)");
                    continue;
                }
                if (!HasImageSignature(file))
                {
                    skipped.Add($"{file} (not a PNG or JPEG file)");
                    continue;
                }
                _files.Add((file, label));
                found++;
            }
            if (found == 0) throw new InvalidDataException($"Class folder '{classes[label]}' in {root} has no PNG or JPEG images; every class needs at least one.");
        }
        Classes = classes;
        Skipped = skipped;
        _cache = new Image?[_files.Count];
    }

    /// <summary>The folder scanned.</summary>
    public string Root { get; }

    /// <inheritdoc/>
    public override int Count => _files.Count;

    /// <inheritdoc/>
    public override IReadOnlyList<string> Classes { get; }

    /// <summary>The files left out, each with the reason.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>Bytes of decoded pixels held in memory now.</summary>
    public long CachedBytes => Interlocked.Read(ref _cachedBytes);

    /// <summary>The path of example <paramref name="index"/>.</summary>
    public string PathOf(int index) => _files[index].Path;

    /// <inheritdoc/>
    public override int LabelOf(int index) => _files[index].Label;

    /// <inheritdoc/>
    public override DataSample Read(int index)
    {
        var (path, label) = _files[index];
        var image = Volatile.Read(ref _cache[index]);
        if (image is null)
        {
            try
            {
                image = ImageLoader.Load(path);
            }
            catch (ImageFormatException e)
            {
                throw new ImageFormatException($"{path}: {e.Message}");
            }
            Keep(index, image);
        }
        return new DataSample { Image = image, Label = label, Source = path };
    }

    private void Keep(int index, Image image)
    {
        long bytes = image.Pixels.LongLength;
        if (Interlocked.Add(ref _cachedBytes, bytes) > _cacheBudget)
        {
            Interlocked.Add(ref _cachedBytes, -bytes);
            return;
        }
        // Two threads reading the same example both decode it; the second keeps the first's copy.
        if (Interlocked.CompareExchange(ref _cache[index], image, null) is not null) Interlocked.Add(ref _cachedBytes, -bytes);
    }

    private static bool HasImageSignature(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[8];
            int n = f.ReadAtLeast(head, 8, throwOnEndOfStream: false);
            var h = head[..n];
            return (h.Length >= 8 && h.SequenceEqual(PngDecoder.Signature)) || (h.Length >= 3 && h[..3].SequenceEqual(JpegDecoder.Signature));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}

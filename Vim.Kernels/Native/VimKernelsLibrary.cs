// Finds and loads libvimkernels.so: $VIM_KERNELS_PATH (the file, or a folder holding it), then next to the
// executable (AppContext.BaseDirectory, which also works for single-file publishes), then the host's native probing:
// the runtimes/linux-x64/native folder of the Vim.Kernels.Cuda package as the app's deps.json names it, then the
// loader's default search (LD_LIBRARY_PATH). The P/Invokes of this assembly resolve to the handle loaded here.
using System.Reflection;
using System.Runtime.InteropServices;

namespace Vim.Kernels.Native;

internal static class VimKernelsLibrary
{
    /// <summary>The library name the P/Invokes use.</summary>
    public const string Name = "vimkernels";

    /// <summary>The file name on Linux.</summary>
    public const string FileName = "libvimkernels.so";

    /// <summary>The environment variable naming the library file or its folder.</summary>
    public const string PathVariable = "VIM_KERNELS_PATH";

    private static readonly Lock Gate = new();
    private static bool _tried;
    private static nint _handle;
    private static string _failure = "";

    /// <summary>Where the library was loaded from, once loaded.</summary>
    public static string? LoadedFrom { get; private set; }

    /// <summary>Loads the library once; false with the reason (every place tried and why it failed) when it cannot.</summary>
    public static bool TryLoad(out string reason)
    {
        lock (Gate)
        {
            if (!_tried)
            {
                _tried = true;
                Load();
            }
            reason = _failure;
            return _handle != 0;
        }
    }

    private static void Load()
    {
        var candidates = new List<string>();
        string? env = Environment.GetEnvironmentVariable(PathVariable);
        if (!string.IsNullOrWhiteSpace(env)) candidates.Add(Directory.Exists(env) ? Path.Combine(env, FileName) : env);
        candidates.Add(Path.Combine(AppContext.BaseDirectory, FileName));
        // The host's native probing folders (from the app's deps.json): a referenced package's runtimes/<rid>/native.
        string searchDirs = AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "";
        foreach (string dir in searchDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string file = Path.Combine(dir, FileName);
            if (File.Exists(file) && !candidates.Contains(file)) candidates.Add(file);
        }
        candidates.Add(FileName); // the loader's default search (LD_LIBRARY_PATH)
        var errors = new List<string>();
        foreach (string candidate in candidates)
        {
            try
            {
                _handle = NativeLibrary.Load(candidate);
                LoadedFrom = candidate;
                NativeLibrary.SetDllImportResolver(typeof(VimKernelsLibrary).Assembly, Resolve);
                return;
            }
            catch (DllNotFoundException e)
            {
                errors.Add($"{candidate}: {e.Message}");
            }
            catch (BadImageFormatException e)
            {
                errors.Add($"{candidate}: {e.Message}");
            }
        }
        _failure = $"{FileName} could not be loaded (reference the Vim.Kernels.Cuda package, set {PathVariable} to its path or put it next to the executable). Tried: {string.Join("; ", errors)}";
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == Name ? _handle : 0;
}

using Vim.Runtime.Devices;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>Each backend operation refuses wrong shapes with the operation and the shapes named, and writes nothing.</summary>
public class BackendArgumentTests
{
    public static TheoryData<string> Cases => new(BackendArgumentCases.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cpu_RefusesWrongArguments(string name) => new BackendArgumentCases(Backends.For(Device.Cpu)).Check(name);
}

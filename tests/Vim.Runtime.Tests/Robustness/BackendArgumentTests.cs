using Vim.Runtime.Devices;
using Vim.Runtime.Tests.Cuda;

namespace Vim.Runtime.Tests.Robustness;

/// <summary>Each backend operation refuses wrong shapes with the operation and the shapes named, and writes nothing.</summary>
public class BackendArgumentTests
{
    public static TheoryData<string> Cases => new(BackendArgumentCases.Names);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cpu_RefusesWrongArguments(string name) => new BackendArgumentCases(Backends.For(Device.Cpu)).Check(name);
}

/// <summary>The same cases on the GPU: the same rules and messages (OpChecks), checked before any kernel reads the tensors.</summary>
[Collection(CudaCollection.Name)]
public class CudaBackendArgumentTests
{
    [Theory]
    [MemberData(nameof(BackendArgumentTests.Cases), MemberType = typeof(BackendArgumentTests))]
    public void Cuda_RefusesWrongArguments(string name) => new BackendArgumentCases(CudaTestSupport.Require()).Check(name);
}

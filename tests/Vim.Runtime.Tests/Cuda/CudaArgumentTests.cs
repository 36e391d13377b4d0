using Vim.Runtime.Tests.Robustness;

namespace Vim.Runtime.Tests.Cuda;

/// <summary>The CPU's wrong-argument cases on the GPU: the same rules and messages (OpChecks), checked before any kernel reads the tensors.</summary>
[Collection(CudaCollection.Name)]
public class CudaArgumentTests
{
    [Theory]
    [MemberData(nameof(BackendArgumentTests.Cases), MemberType = typeof(BackendArgumentTests))]
    public void Cuda_RefusesWrongArguments(string name) => new BackendArgumentCases(CudaTestSupport.Require()).Check(name);
}

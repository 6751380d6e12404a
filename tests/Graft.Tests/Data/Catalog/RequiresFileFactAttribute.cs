namespace Graft.Tests.Data.Catalog;

/// <summary>
/// A fact that needs a file installed by a Debian package. It is skipped, with the reason shown, only when that file
/// is absent (it is installed on the development machines and in CI).
/// </summary>
public sealed class RequiresFileFactAttribute : FactAttribute
{
    public RequiresFileFactAttribute(string path, string package)
    {
        if (!File.Exists(path)) Skip = $"{path} is not installed (Debian package {package}).";
    }
}

using System.Reflection;

namespace Compositor;

/// <summary>The version --version prints and the log starts with: the assembly's informational
/// version (Directory.Build.props' Version, plus the commit where the build knew it).</summary>
internal static class BuildInfo
{
    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}

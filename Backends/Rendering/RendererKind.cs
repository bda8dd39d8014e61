using Serilog;

namespace Compositor.Backends.Rendering;

/// <summary>Which renderer a backend composites with (--renderer).</summary>
public enum RendererKind
{
    /// <summary>The backend's choice; today GLES everywhere, as <see cref="GlesRenderer.Create"/>
    /// picks it (llvmpipe where no GPU renders).</summary>
    Auto,
    /// <summary>GLES, on the render node <see cref="GlesRenderer.Create"/> picks.</summary>
    Gl,
    /// <summary>pixman on the CPU (<see cref="PixmanRenderer"/>).</summary>
    Pixman,
}

/// <summary>The renderer of a <see cref="RendererKind"/>, for the backends.</summary>
public static class Renderers
{
    /// <param name="renderNode">GLES only: the render node to draw on (see <see cref="GlesRenderer.Create"/>).</param>
    /// <param name="preferred">GLES only: the render node to try first.</param>
    public static IRenderer Create(RendererKind kind, ILogger log, string? renderNode = null, string? preferred = null) => kind switch
    {
        RendererKind.Pixman => new PixmanRenderer(log),
        _ => GlesRenderer.Create(log, renderNode, preferred),
    };
}

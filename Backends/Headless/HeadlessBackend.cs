using Compositor.Backends.Rendering;
using Serilog;
using Wayland.Events;

namespace Compositor.Backends.Headless;

/// <summary>
/// No display at all: virtual outputs rendered offscreen (GLES, or pixman when asked), paced by their own
/// frame clocks. What CI and screenshots use; input comes from the test injection socket. Nobody
/// looks at these outputs except through captures, so by default only captured frames are drawn.
/// </summary>
public sealed class HeadlessBackend : IBackend
{
    private readonly EventLoop _loop;
    private readonly IReadOnlyList<OutputMode> _configs;
    private readonly List<HeadlessOutput> _outputs = [];
    private readonly IRenderer _renderer;
    private readonly bool _drawEveryFrame;

    /// <param name="drawEveryFrame">Draw every frame, as a screen would need; by default a frame is
    /// drawn only when a capture (screencopy) waits for it, since nothing else can see it.</param>
    /// <param name="renderNode">The render node to draw on; null: the first that renders, else none (EGL surfaceless).</param>
    /// <param name="renderer">GLES (<see cref="RendererKind.Auto"/>, <see cref="RendererKind.Gl"/>) or pixman.</param>
    public HeadlessBackend(EventLoop loop, IReadOnlyList<OutputMode> outputs, ILogger log, bool drawEveryFrame = false, string? renderNode = null,
        RendererKind renderer = RendererKind.Auto)
    {
        _loop = loop;
        _drawEveryFrame = drawEveryFrame;
        _configs = outputs.Count > 0 ? outputs : [OutputMode.Default];
        _renderer = Renderers.Create(renderer, log, renderNode);
    }

    public string Name => "headless";
    public IRenderer Renderer => _renderer;
    public IReadOnlyList<IOutput> Outputs => _outputs;
    public event Action<IOutput>? OutputAdded;
    public event Action<IOutput>? OutputRemoved;
    public event Action? QuitRequested { add { } remove { } }

    public void Start(IInputSink input)
    {
        foreach (var config in _configs)
        {
            var output = new HeadlessOutput(_loop, _renderer, config, _outputs.Count + 1, _drawEveryFrame);
            _outputs.Add(output);
            OutputAdded?.Invoke(output);
        }
    }

    public void Dispose()
    {
        foreach (var o in _outputs)
        {
            OutputRemoved?.Invoke(o);
            o.Dispose();
        }
        _outputs.Clear();
        _renderer.Dispose();
    }
}

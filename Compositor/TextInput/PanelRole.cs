using Compositor.Scene;
using Compositor.Surfaces;

namespace Compositor.TextInput;

/// <summary>
/// The role of an input method's own surfaces (input-method v2's popup, input-method v1's panels):
/// placed by the compositor where the text input is, shown only while one is active, above every
/// window. Its owner decides where and when through <see cref="Place"/>, and is asked again after
/// every commit (the size may have changed).
/// </summary>
internal sealed class PanelRole : IPlacedRole
{
    private readonly Scene.Scene _scene;
    private readonly Action<PanelRole> _committed;
    private bool _shown, _inStack;

    public PanelRole(string name, Surface surface, Scene.Scene scene, Action<PanelRole> committed)
    {
        Name = name;
        Surface = surface;
        _scene = scene;
        _committed = committed;
        surface.Destroyed += _ => Place(false, X, Y);
    }

    public string Name { get; }
    public Surface Surface { get; }
    public bool IsMapped => _shown && Surface.HasContent && !Surface.IsDestroyed;
    public int X { get; private set; }
    public int Y { get; private set; }
    public SceneLayer Layer => SceneLayer.InputMethod;

    /// <summary>Shows the surface with its origin at a layout point, or hides it.</summary>
    public void Place(bool shown, int x, int y)
    {
        var mapped = shown && Surface.HasContent && !Surface.IsDestroyed;
        if (mapped == _inStack && (!mapped || (x == X && y == Y))) { _shown = shown; return; }
        if (_inStack) _scene.Remove(this);
        _inStack = false;
        (_shown, X, Y) = (shown, x, y);
        if (!mapped) return;
        _scene.Raise(this);
        _inStack = true;
    }

    public void Committed(Surface surface) => _committed(this);
}

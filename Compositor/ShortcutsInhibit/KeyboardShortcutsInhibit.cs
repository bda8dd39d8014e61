using Compositor.Surfaces;
using Wayland.Protocols.Server;

namespace Compositor.ShortcutsInhibit;

/// <summary>
/// zwp_keyboard_shortcuts_inhibit_manager_v1 and zwp_keyboard_shortcuts_inhibitor_v1: while the
/// surface with the keyboard holds an inhibitor, the compositor's key bindings are not taken and
/// those keys go to the client (remote desktops, virtual machines), except console switching
/// (<see cref="Seat.KeyBindings.Inhibited"/>). An inhibitor is told active each time it takes
/// effect: at creation on the focused surface, and whenever its surface gets the keyboard. Losing
/// the focus, being unmapped or destroyed ends it without an inactive event, as the protocol says;
/// the compositor never restores its shortcuts by itself, so it never sends inactive.
/// Requests of both interfaces are handled here.
/// </summary>
public sealed class KeyboardShortcutsInhibit : IZwpKeyboardShortcutsInhibitManagerV1Handler
{
    public const uint Version = 1;

    private readonly Seat.Seat _seat;
    private readonly Dictionary<Surface, Inhibitor> _bySurface = [];

    public KeyboardShortcutsInhibit(Wayland.Server.Display display, Seat.Seat seat)
    {
        _seat = seat;
        display.CreateGlobal<ZwpKeyboardShortcutsInhibitManagerV1>(Version, r => r.Handler = this);
        seat.Keyboard.FocusChanged += OnFocusChanged;
    }

    private sealed class Inhibitor(ZwpKeyboardShortcutsInhibitorV1 resource) : IZwpKeyboardShortcutsInhibitorV1Handler
    {
        public ZwpKeyboardShortcutsInhibitorV1 Resource { get; } = resource;
        public void Destroy(ZwpKeyboardShortcutsInhibitorV1 resource) { }
    }

    public void Destroy(ZwpKeyboardShortcutsInhibitManagerV1 resource) { }

    public void InhibitShortcuts(ZwpKeyboardShortcutsInhibitManagerV1 resource, ZwpKeyboardShortcutsInhibitorV1 id, WlSurface surface, WlSeat seat)
    {
        var s = (Surface)surface.Data!;
        // One seat, so "for this seat and surface" is "for this surface".
        if (_bySurface.ContainsKey(s))
        {
            resource.PostError(ZwpKeyboardShortcutsInhibitManagerV1.Error.AlreadyInhibited, $"{surface} already inhibits shortcuts on {Seat.Seat.SeatName}");
            return;
        }
        var inhibitor = new Inhibitor(id);
        id.Handler = inhibitor;
        _bySurface[s] = inhibitor;
        void Remove()
        {
            if (!_bySurface.Remove(s)) return;
            if (_seat.Keyboard.Focus == s) _seat.Bindings.Inhibited = false;
        }
        id.Destroyed += _ => Remove();
        s.Destroyed += _ => Remove();
        if (_seat.Keyboard.Focus == s) OnFocusChanged(s);
    }

    private void OnFocusChanged(Surface? focus)
    {
        var inhibitor = focus is null ? null : _bySurface.GetValueOrDefault(focus);
        _seat.Bindings.Inhibited = inhibitor is not null;
        inhibitor?.Resource.SendActive();
    }
}

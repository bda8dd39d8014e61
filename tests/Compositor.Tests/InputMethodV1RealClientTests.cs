using Compositor.Backends.Headless;
using Compositor.Tests.Harness;

namespace Compositor.Tests;

/// <summary>
/// weston's own pair on the executable: a config names weston-keyboard as the input method (started
/// by the compositor, the one client seeing zwp_input_method_v1), weston-editor speaks
/// zwp_text_input_v1. A click in the editor's entry activates its text input: the keyboard's panel
/// appears at the bottom centre of the output, and clicking its keys types into the editor.
/// </summary>
public sealed class InputMethodV1RealClientTests : IDisposable
{
    private const string Keyboard = "/usr/lib/x86_64-linux-gnu/weston-keyboard";
    private static readonly (byte, byte, byte) Background = (51, 51, 51);
    private const int Width = 1024, Height = 768;
    private readonly RunningCompositor _compositor;
    private readonly string _config = Path.Combine(Path.GetTempPath(), $"input-method-{Guid.NewGuid():N}.ini");

    public InputMethodV1RealClientTests()
    {
        File.WriteAllText(_config, $"[input-method]\npath = {Keyboard}\n");
        _compositor = new RunningCompositor($"{Width}x{Height}@60", "--config", _config);
    }

    public void Dispose()
    {
        _compositor.Dispose();
        File.Delete(_config);
    }

    private Image WaitForScreen(Func<Image, bool> check, string what)
    {
        Image? last = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            last = _compositor.Screenshot();
            if (check(last)) return last;
            Thread.Sleep(200);
        }
        var path = Path.Combine(Path.GetTempPath(), $"failed-{what.Replace(' ', '-')}.ppm");
        last?.SavePpm(path);
        Assert.Fail($"screen never showed {what} (last screenshot: {path})\ncompositor log:\n{_compositor.Log}");
        return last!;
    }

    private static void Click(TestInputClient input, int x, int y)
    {
        Assert.Equal("ok", input.Send($"motion 0 {x} {y}"));
        Assert.Equal("ok", input.Send("button left press"));
        Assert.Equal("ok", input.Send("button left release"));
    }

    [Fact]
    public void WestonKeyboardsPanelAppearsForWestonEditorAndItsKeysTypeThere()
    {
        Assert.True(File.Exists(Keyboard), $"{Keyboard} is not installed (Debian's weston package)");
        var editor = _compositor.StartClient("weston-editor", traced: true);
        // The editor's window (cascaded to 32,32) is white inside; the lower half of the screen is
        // background: no panel before a text input is active.
        var before = WaitForScreen(i => i.Count(200, 95, 50, 30, (255, 255, 255)) == 1500, "weston-editor's window");
        Assert.Equal(Width * 100, before.Count(0, Height - 100, Width, 100, Background, 0));
        Assert.Contains("Input method " + Keyboard, _compositor.Log);

        using var input = new TestInputClient(_compositor.TestInputPath);
        Click(input, 150, 100); // in the entry: weston-editor shows the panel and activates its text input
        var shot = WaitForScreen(i => i[Width / 2, Height - 1] != Background, "weston-keyboard's panel");
        // The panel: centred at the bottom, wider than it is tall.
        var left = 0;
        while (left < Width && shot[left, Height - 1] == Background) left++;
        var right = Width - 1;
        while (right > 0 && shot[right, Height - 1] == Background) right--;
        var top = Height - 1;
        while (top > 0 && shot[left + 1, top - 1] != Background) top--;
        Assert.InRange(Math.Abs(left + right + 1 - Width), 0, 1);
        Assert.True(right - left > Height - top, $"panel {left}..{right} x {top}..{Height}");
        Assert.True(top > Height / 2, $"panel top at {top}");

        // weston-keyboard's layout: four rows of keys 60 wide, the first row q, w, ...; the second
        // key of the bottom row is the wide space bar. A letter is sent as preedit, space commits it.
        var keyHeight = (Height - top) / 4;
        Click(input, left + 90, top + keyHeight / 2);                 // w
        Peers.WaitFor(() => editor.Stderr.Contains(".preedit_string(", StringComparison.Ordinal), "the preedit of the clicked key in weston-editor");
        Click(input, left + 200, top + keyHeight * 3 + keyHeight / 2); // space
        Peers.WaitFor(() => editor.Stderr.Contains("zwp_text_input_v1@", StringComparison.Ordinal)
            && editor.Stderr.Contains(".commit_string(", StringComparison.Ordinal), "the committed text in weston-editor");
        Assert.Matches(@"zwp_text_input_v1@\d+\.commit_string\(\d+, ""w """, editor.Stderr);
        Assert.False(editor.HasExited, editor.Stderr);
        Assert.False(_compositor.HasExited, _compositor.Log);
    }
}

namespace Compositor.Backends;

/// <summary>
/// A display plane that shows the pointer above the output's image (a KMS cursor plane): the
/// compositor draws the cursor into it once per new cursor image and moves it without drawing a
/// frame, and a client scanned out directly keeps its plane under the pointer. What is set here
/// goes to the display with the output's next frame (its <see cref="IOutput.Present"/> or
/// <see cref="IOutput.TryScanout"/>).
/// </summary>
public interface ICursorPlane
{
    /// <summary>The size of the plane's image: a cursor larger than this is composited.</summary>
    int Width { get; }
    int Height { get; }

    /// <summary>The target to draw a new cursor image into, at its top left (the rest transparent);
    /// not the image on screen.</summary>
    IRenderTarget BeginImage();

    /// <summary>The image drawn since <see cref="BeginImage"/> is complete: shown from the next frame.</summary>
    void EndImage();

    /// <summary>Shows the image with its top left at (<paramref name="x"/>, <paramref name="y"/>)
    /// in output pixels (partly off the output is fine); the hotspot, relative to the image, is for
    /// displays whose host draws the pointer itself (virtual GPUs).</summary>
    void Show(int x, int y, int hotspotX, int hotspotY);

    /// <summary>Takes the pointer off the plane.</summary>
    void Hide();
}

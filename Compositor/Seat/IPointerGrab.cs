namespace Compositor.Seat;

/// <summary>
/// Takes the pointer from the clients for an interactive move or resize: motion goes to the grab
/// instead of the surface under the pointer; releasing the last button ends it.
/// </summary>
public interface IPointerGrab
{
    void Motion(double x, double y);
    /// <summary>The grab ended (last button released, or its window went away).</summary>
    void End();
}

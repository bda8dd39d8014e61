namespace Wayland.Fuzz.Protocol;

public static class ProtocolCommand
{
    public static int Run(string[] args) => throw new NotImplementedException();
}

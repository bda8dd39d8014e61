using System.Security.Cryptography;

namespace Compositor.Util;

/// <summary>Strings a client cannot guess (xdg-activation tokens, xdg-foreign handles): 128 random
/// bits from the system's cryptographic source, in hex.</summary>
public static class UnguessableToken
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Draws once at start: the runtime opens the random source and its crypto library on
    /// first use and keeps them open for good, so the first client to ask must not be the one who
    /// makes the compositor's fd count grow.</summary>
    public static void Warm()
    {
        Span<byte> one = stackalloc byte[1];
        RandomNumberGenerator.Fill(one);
    }
}

using System.Text;
using static Tmds.Linux.LibC;

namespace VmChecks;

internal static partial class Program
{
    /// <summary>
    /// Has the harness save the screen as NAME.ppm, and returns once it has: the harness answers
    /// "VM-SCREENDUMP-DONE NAME" on the guest's second serial port. Without that answer a check
    /// could only guess how long to keep its window up, and under a loaded TCG host the harness has
    /// taken the GPU window's dump more than 6 s late, after the check's compositor had gone.
    /// </summary>
    /// <param name="device">The QEMU display device to dump (its id on the QEMU command line), when
    /// the guest has more than one: its screen, through QEMU's own screendump.</param>
    /// <param name="head">Which of the device's heads (the 2D virtio-gpu has two), when it has several.</param>
    private static unsafe void Screendump(string name, string? device = null, int? head = null)
    {
        // Opened before asking: bytes reaching a closed tty are dropped.
        int fd;
        fixed (byte* path = "/dev/ttyS1\0"u8) fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        Check(fd >= 0, $"the harness's answer port /dev/ttyS1 cannot be opened (errno {errno})");
        try
        {
            // Raw: the answer is read as sent, and nothing is echoed back to the harness.
            Tmds.Linux.termios tio;
            if (tcgetattr(fd, &tio) == 0)
            {
                tio.c_lflag &= ~(ICANON | ECHO | ECHOE | ECHONL | ISIG | IEXTEN);
                tcsetattr(fd, (int)TCSANOW, &tio);
            }
            tcflush(fd, (int)TCIFLUSH); // an answer to an earlier dump that came late
            Console.WriteLine(device is null ? $"VM-SCREENDUMP {name}" : head is null ? $"VM-SCREENDUMP {name} {device}" : $"VM-SCREENDUMP {name} {device} {head}");
            var expected = $"VM-SCREENDUMP-DONE {name}\n";
            var seen = new StringBuilder();
            var buffer = stackalloc byte[256];
            var deadline = Environment.TickCount64 + 120_000;
            while (!seen.ToString().Contains(expected, StringComparison.Ordinal))
            {
                var left = deadline - Environment.TickCount64;
                Check(left > 0, $"the harness did not answer screendump {name} within 120 s (read: '{seen}')");
                var p = new Tmds.Linux.pollfd { fd = fd, events = POLLIN };
                if (poll(&p, 1, (int)Math.Min(left, 1000)) <= 0) continue;
                var n = read(fd, buffer, 256);
                if (n > 0) seen.Append(Encoding.ASCII.GetString(buffer, (int)n));
            }
        }
        finally
        {
            close(fd);
        }
    }
}

#!/usr/bin/env python3
"""Raises an X window above its siblings (XRaiseWindow through libX11): Xvfb has no window
manager, so QEMU's windows, one per display device, open over one another, and a dump of the
screen shows whichever is on top. Usage: x-raise.py WINDOW_ID (on $DISPLAY)."""
import ctypes
import sys

x11 = ctypes.CDLL("libX11.so.6")
x11.XOpenDisplay.restype = ctypes.c_void_p
x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
x11.XRaiseWindow.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
x11.XCloseDisplay.argtypes = [ctypes.c_void_p]

display = x11.XOpenDisplay(None)
if not display:
    sys.exit("x-raise: cannot open the display")
x11.XRaiseWindow(display, int(sys.argv[1], 0))
x11.XSync(display, 0)
x11.XCloseDisplay(display)

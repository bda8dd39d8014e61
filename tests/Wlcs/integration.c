/*
 * WLCS integration module: the hooks WLCS (the Wayland Conformance Test Suite) loads to drive a
 * compositor. Ours is a separate process, so each WLCS server is one run of the compositor
 * (headless) with a private control socket (Compositor/Testing/ControlSocket.cs): client sockets
 * are handed over through it with SCM_RIGHTS, windows are placed and input injected through it,
 * and every command waits for the compositor's answer, so its effects come before whatever WLCS
 * does next.
 *
 * Environment: WLCS_COMPOSITOR (path of compositor.dll, required), WLCS_DOTNET (default "dotnet"),
 * WLCS_COMPOSITOR_LOG (file the compositor's output is appended to; default /dev/null).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <wayland-client-core.h>
#include <wlcs/display_server.h>
#include <wlcs/pointer.h>
#include <wlcs/touch.h>

extern char **environ;

#define MAX_CLIENTS 256
#define REPLY_TIMEOUT_MS 30000

struct server {
    WlcsDisplayServer base;
    pid_t pid;
    int control; /* our end of the SOCK_SEQPACKET pair; -1 when stopped */
    pthread_mutex_t lock;
    struct { int fd, id; } clients[MAX_CLIENTS];
    int client_count;
    int next_touch;
};

struct pointer { WlcsPointer base; struct server *server; };
struct touch { WlcsTouch base; struct server *server; int id; };

/* The globals the compositor advertises, learnt once from a run of it: WLCS skips the tests of
 * protocols not named here, and fails those of protocols named but missing. */
static WlcsExtensionDescriptor extensions[128];
static WlcsIntegrationDescriptor descriptor = { .version = 1, .num_extensions = 0, .supported_extensions = extensions };
static int descriptor_known;
static unsigned instance_counter;

static void die(char const *what)
{
    fprintf(stderr, "wlcs integration: %s\n", what);
    abort();
}

/* Sends one command (with an fd, or -1) and waits for the answer; returns 1 for "ok". */
static int command(struct server *s, char const *text, int fd, char *reply, size_t reply_size)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    if (sendmsg(s->control, &msg, MSG_NOSIGNAL) < 0) die("the compositor's control socket is gone");
    struct pollfd p = { .fd = s->control, .events = POLLIN };
    if (poll(&p, 1, REPLY_TIMEOUT_MS) != 1) die("no answer from the compositor");
    ssize_t n = recv(s->control, reply, reply_size - 1, 0);
    if (n <= 0) die("the compositor closed its control socket");
    reply[n] = 0;
    if (strncmp(reply, "ok", 2) != 0) {
        fprintf(stderr, "wlcs integration: '%s' -> %s\n", text, reply);
        return 0;
    }
    return 1;
}

static void commandf(struct server *s, char const *format, ...) __attribute__((format(printf, 2, 3)));
static void commandf(struct server *s, char const *format, ...)
{
    char text[256], reply[256];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    pthread_mutex_lock(&s->lock);
    command(s, text, -1, reply, sizeof reply);
    pthread_mutex_unlock(&s->lock);
}

static void learn_globals(char *ready)
{
    if (descriptor_known) return;
    char *save = NULL;
    for (char *word = strtok_r(ready, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        char *colon = strchr(word, ':');
        if (!colon || descriptor.num_extensions == sizeof extensions / sizeof extensions[0]) continue;
        *colon = 0;
        extensions[descriptor.num_extensions].name = strdup(word);
        extensions[descriptor.num_extensions].version = (uint32_t)strtoul(colon + 1, NULL, 10);
        descriptor.num_extensions++;
    }
    descriptor_known = 1;
}

static void start(WlcsDisplayServer *base)
{
    struct server *s = (struct server *)base;
    char const *dll = getenv("WLCS_COMPOSITOR");
    if (!dll) die("WLCS_COMPOSITOR (the path of compositor.dll) is not set");
    char const *dotnet = getenv("WLCS_DOTNET") ? getenv("WLCS_DOTNET") : "dotnet";
    char const *log = getenv("WLCS_COMPOSITOR_LOG") ? getenv("WLCS_COMPOSITOR_LOG") : "/dev/null";

    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) die("socketpair failed");
    char socket_name[64];
    snprintf(socket_name, sizeof socket_name, "wlcs-%d-%u", (int)getpid(), instance_counter++);
    /* pixman: WLCS checks no pixels, and it starts 150 ms sooner than EGL. */
    char *argv[] = { (char *)dotnet, (char *)dll, "--backend", "headless", "--renderer", "pixman", "--output", "1024x768@60",
                     "--socket", socket_name, "--control-fd", "3", NULL };

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, pair[1], 3);
    posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_APPEND | O_CREAT, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 4); /* WLCS's own fds stay WLCS's */
    int error = posix_spawnp(&s->pid, dotnet, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pair[1]);
    if (error) die("cannot start the compositor (posix_spawnp)");
    s->control = pair[0];

    char ready[8192];
    struct pollfd p = { .fd = s->control, .events = POLLIN };
    if (poll(&p, 1, REPLY_TIMEOUT_MS) != 1) die("the compositor did not become ready");
    ssize_t n = recv(s->control, ready, sizeof ready - 1, 0);
    if (n <= 0 || strncmp(ready, "ready", 5) != 0) die("the compositor did not say ready");
    ready[n] = 0;
    learn_globals(ready + 5);
}

static void stop(WlcsDisplayServer *base)
{
    struct server *s = (struct server *)base;
    if (s->control < 0) return;
    /* Closing the control socket stops the compositor; it gets 10 s to finish. */
    close(s->control);
    s->control = -1;
    for (int i = 0; i < 1000; i++) {
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) goto done;
        struct timespec ten_ms = { 0, 10 * 1000 * 1000 };
        nanosleep(&ten_ms, NULL);
    }
    fprintf(stderr, "wlcs integration: the compositor did not stop; killed\n");
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
done:
    s->client_count = 0;
}

static int create_client_socket(WlcsDisplayServer *base)
{
    struct server *s = (struct server *)base;
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) die("socketpair failed");
    char reply[64];
    pthread_mutex_lock(&s->lock);
    int ok = command(s, "client", pair[1], reply, sizeof reply);
    close(pair[1]);
    if (ok) {
        /* Keyed by the fd WLCS's wl_display uses: a number WLCS closed and reused is replaced. */
        int slot = 0;
        while (slot < s->client_count && s->clients[slot].fd != pair[0]) slot++;
        if (slot == s->client_count && s->client_count < MAX_CLIENTS) s->client_count++;
        if (slot < MAX_CLIENTS) {
            s->clients[slot].fd = pair[0];
            s->clients[slot].id = atoi(reply + 3);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (!ok) { close(pair[0]); return -1; }
    return pair[0];
}

static void position_window_absolute(WlcsDisplayServer *base, struct wl_display *client, struct wl_surface *surface, int x, int y)
{
    struct server *s = (struct server *)base;
    int fd = wl_display_get_fd(client), id = -1;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->client_count; i++)
        if (s->clients[i].fd == fd) id = s->clients[i].id;
    pthread_mutex_unlock(&s->lock);
    if (id < 0) die("position_window_absolute: a client this module did not create");
    commandf(s, "position %d %u %d %d", id, wl_proxy_get_id((struct wl_proxy *)surface), x, y);
}

static void pointer_move_absolute(WlcsPointer *p, wl_fixed_t x, wl_fixed_t y)
{
    commandf(((struct pointer *)p)->server, "pointer %.8f %.8f", wl_fixed_to_double(x), wl_fixed_to_double(y));
}

static void pointer_move_relative(WlcsPointer *p, wl_fixed_t dx, wl_fixed_t dy)
{
    commandf(((struct pointer *)p)->server, "pointer-rel %.8f %.8f", wl_fixed_to_double(dx), wl_fixed_to_double(dy));
}

static void pointer_button_down(WlcsPointer *p, int button) { commandf(((struct pointer *)p)->server, "button %d press", button); }
static void pointer_button_up(WlcsPointer *p, int button) { commandf(((struct pointer *)p)->server, "button %d release", button); }
static void pointer_destroy(WlcsPointer *p) { free(p); }

static WlcsPointer *create_pointer(WlcsDisplayServer *base)
{
    struct pointer *p = calloc(1, sizeof *p);
    p->base = (WlcsPointer){ .version = WLCS_POINTER_VERSION, .move_absolute = pointer_move_absolute,
        .move_relative = pointer_move_relative, .button_up = pointer_button_up,
        .button_down = pointer_button_down, .destroy = pointer_destroy };
    p->server = (struct server *)base;
    return &p->base;
}

/* WLCS 1.5.0 passes touch positions as plain integers despite the wl_fixed_t in touch.h
 * (in_process_server.cpp calls touch_down(touch, x, y) with int x, y), as Mir reads them. */
static void touch_down(WlcsTouch *t, wl_fixed_t x, wl_fixed_t y)
{
    struct touch *touch = (struct touch *)t;
    commandf(touch->server, "touch-down %d %d %d", touch->id, (int)x, (int)y);
}

static void touch_move(WlcsTouch *t, wl_fixed_t x, wl_fixed_t y)
{
    struct touch *touch = (struct touch *)t;
    commandf(touch->server, "touch-move %d %d %d", touch->id, (int)x, (int)y);
}

static void touch_up(WlcsTouch *t)
{
    struct touch *touch = (struct touch *)t;
    commandf(touch->server, "touch-up %d", touch->id);
}

static void touch_destroy(WlcsTouch *t) { free(t); }

static WlcsTouch *create_touch(WlcsDisplayServer *base)
{
    struct server *s = (struct server *)base;
    struct touch *t = calloc(1, sizeof *t);
    t->base = (WlcsTouch){ .version = WLCS_TOUCH_VERSION, .touch_down = touch_down, .touch_move = touch_move,
        .touch_up = touch_up, .destroy = touch_destroy };
    t->server = s;
    t->id = s->next_touch++;
    return &t->base;
}

static WlcsIntegrationDescriptor const *get_descriptor(WlcsDisplayServer const *base)
{
    (void)base;
    return &descriptor;
}

static WlcsDisplayServer *create_server(int argc, char const **argv)
{
    (void)argc;
    (void)argv;
    struct server *s = calloc(1, sizeof *s);
    s->base = (WlcsDisplayServer){ .version = 2, .start = start, .stop = stop,
        .create_client_socket = create_client_socket, .position_window_absolute = position_window_absolute,
        .create_pointer = create_pointer, .create_touch = create_touch, .get_descriptor = get_descriptor };
    s->control = -1;
    pthread_mutex_init(&s->lock, NULL);
    if (!descriptor_known) {
        /* WLCS may ask for the descriptor before starting a server: one run of the compositor tells. */
        start(&s->base);
        stop(&s->base);
    }
    return &s->base;
}

static void destroy_server(WlcsDisplayServer *base)
{
    struct server *s = (struct server *)base;
    stop(base);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

WlcsServerIntegration const wlcs_server_integration = {
    .version = 1,
    .create_server = create_server,
    .destroy_server = destroy_server,
};

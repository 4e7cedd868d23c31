using System.Runtime.InteropServices;

namespace Drover.Posix.Interop;

/// <summary>
/// The glibc entry points this library uses (Debian 12, glibc 2.36, linux-x64).
/// Every import sets the last error so callers can turn errno into a <see cref="PosixException"/>.
/// posix_spawn* return their error number instead of setting errno.
/// </summary>
internal static unsafe partial class Libc
{
    // The versioned soname: "libc" alone would make the loader try libc.so, which on a box with
    // libc6-dev is a linker script, not an ELF object.
    private const string Name = "libc.so.6";

    // open(2) flags (asm-generic, x86-64).
    public const int O_RDONLY = 0x0;
    public const int O_WRONLY = 0x1;
    public const int O_RDWR = 0x2;
    public const int O_CREAT = 0x40;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_CLOEXEC = 0x80000;

    public const int F_DUPFD_CLOEXEC = 1030;
    public const int X_OK = 1;

    // waitpid(2): also wait for "clone" children (non-SIGCHLD exit signal), which a subreaper can inherit.
    public const int __WALL = 0x40000000;

    // prctl(2) options.
    public const int PR_SET_CHILD_SUBREAPER = 36;
    public const int PR_GET_CHILD_SUBREAPER = 37;

    // posix_spawnattr flags (glibc spawn.h).
    public const short POSIX_SPAWN_SETSIGDEF = 0x04;
    public const short POSIX_SPAWN_SETSIGMASK = 0x08;
    public const short POSIX_SPAWN_SETSID = 0x80;

    public const int _SC_CLK_TCK = 2;

    // poll(2) events.
    public const short POLLIN = 0x001;
    public const short POLLERR = 0x008;
    public const short POLLHUP = 0x010;
    public const short POLLNVAL = 0x020;

    // Opaque glibc types, sized with headroom: posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t
    // 80, sigset_t 128, struct sigaction 152 on x86-64.
    public const int SpawnAttrSize = 512;
    public const int FileActionsSize = 256;
    public const int SigSetSize = 128;
    public const int SigActionSize = 256;
    public const int SigActionFlagsOffset = 8 + 128; // after sa_handler and sa_mask
    public const int SA_NOCLDWAIT = 0x2;
    public static readonly nint SIG_DFL = 0;
    public static readonly nint SIG_IGN = 1;

    [LibraryImport(Name, EntryPoint = "posix_spawn", SetLastError = true)]
    public static partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attr, byte** argv, byte** envp);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_init", SetLastError = true)]
    public static partial int posix_spawn_file_actions_init(void* fileActions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_destroy", SetLastError = true)]
    public static partial int posix_spawn_file_actions_destroy(void* fileActions);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_adddup2", SetLastError = true)]
    public static partial int posix_spawn_file_actions_adddup2(void* fileActions, int fd, int newFd);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addopen", SetLastError = true)]
    public static partial int posix_spawn_file_actions_addopen(void* fileActions, int fd, byte* path, int flags, int mode);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addchdir_np", SetLastError = true)]
    public static partial int posix_spawn_file_actions_addchdir_np(void* fileActions, byte* path);

    [LibraryImport(Name, EntryPoint = "posix_spawn_file_actions_addclosefrom_np", SetLastError = true)]
    public static partial int posix_spawn_file_actions_addclosefrom_np(void* fileActions, int from);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_init", SetLastError = true)]
    public static partial int posix_spawnattr_init(void* attr);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_destroy", SetLastError = true)]
    public static partial int posix_spawnattr_destroy(void* attr);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setflags", SetLastError = true)]
    public static partial int posix_spawnattr_setflags(void* attr, short flags);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigmask", SetLastError = true)]
    public static partial int posix_spawnattr_setsigmask(void* attr, void* sigset);

    [LibraryImport(Name, EntryPoint = "posix_spawnattr_setsigdefault", SetLastError = true)]
    public static partial int posix_spawnattr_setsigdefault(void* attr, void* sigset);

    [LibraryImport(Name, EntryPoint = "sigemptyset", SetLastError = true)]
    public static partial int sigemptyset(void* set);

    [LibraryImport(Name, EntryPoint = "sigaction", SetLastError = true)]
    public static partial int sigaction(int signal, void* action, void* oldAction);

    [LibraryImport(Name, EntryPoint = "waitpid", SetLastError = true)]
    public static partial int waitpid(int pid, int* status, int options);

    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    public static partial int kill(int pid, int signal);

    [LibraryImport(Name, EntryPoint = "getpgrp", SetLastError = true)]
    public static partial int getpgrp();

    // prctl is variadic in C; on x86-64 passing all five integer arguments through a fixed prototype
    // is the documented-equivalent register layout.
    [LibraryImport(Name, EntryPoint = "prctl", SetLastError = true)]
    public static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    public static partial int pipe2(int* fds, int flags);

    // open and fcntl are variadic too; the optional third argument is a plain int register.
    [LibraryImport(Name, EntryPoint = "open", SetLastError = true)]
    public static partial int open(byte* path, int flags, int mode);

    [LibraryImport(Name, EntryPoint = "fcntl", SetLastError = true)]
    public static partial int fcntl(int fd, int command, int arg);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(Name, EntryPoint = "poll", SetLastError = true)]
    public static partial int poll(PollEntry* fds, nuint count, int timeoutMs);

    [LibraryImport(Name, EntryPoint = "access", SetLastError = true)]
    public static partial int access(byte* path, int mode);

    [LibraryImport(Name, EntryPoint = "sysconf", SetLastError = true)]
    public static partial nint sysconf(int name);

    [LibraryImport(Name, EntryPoint = "opendir", SetLastError = true)]
    public static partial nint opendir(byte* path);

    [LibraryImport(Name, EntryPoint = "readdir64", SetLastError = true)]
    public static partial byte* readdir64(nint dir);

    [LibraryImport(Name, EntryPoint = "closedir", SetLastError = true)]
    public static partial int closedir(nint dir);

    // Sockets (x86-64 Linux values).
    public const int SOCK_NONBLOCK = 0x800;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int MSG_NOSIGNAL = 0x4000;
    public const int MSG_MORE = 0x8000;
    public const int SHUT_RDWR = 2;

    [LibraryImport(Name, EntryPoint = "accept4", SetLastError = true)]
    public static partial int accept4(int fd, byte* address, uint* length, int flags);

    [LibraryImport(Name, EntryPoint = "recv", SetLastError = true)]
    public static partial nint recv(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Name, EntryPoint = "send", SetLastError = true)]
    public static partial nint send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport(Name, EntryPoint = "shutdown", SetLastError = true)]
    public static partial int shutdown(int fd, int how);

    [LibraryImport(Name, EntryPoint = "getsockname", SetLastError = true)]
    public static partial int getsockname(int fd, byte* address, uint* length);

    [LibraryImport(Name, EntryPoint = "getpeername", SetLastError = true)]
    public static partial int getpeername(int fd, byte* address, uint* length);

    // madvise(2) advice: drop the range's page table entries (a clean file-backed page is read again from the page cache on its next touch).
    public const int MADV_DONTNEED = 4;

    [LibraryImport(Name, EntryPoint = "madvise", SetLastError = true)]
    public static partial int madvise(void* address, nuint length, int advice);

    /// <summary>struct dirent64: d_ino(8) d_off(8) d_reclen(2) d_type(1) d_name[256].</summary>
    public const int DirentNameOffset = 19;
}

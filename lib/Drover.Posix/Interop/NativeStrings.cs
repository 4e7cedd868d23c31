using System.Runtime.InteropServices;
using System.Text;

namespace Drover.Posix.Interop;

/// <summary>
/// NUL-terminated UTF-8 strings and NULL-terminated pointer arrays in native memory, freed together.
/// posix_spawn needs them only for the duration of the call.
/// </summary>
internal sealed unsafe class NativeStrings : IDisposable
{
    private readonly List<nint> _blocks = [];

    public byte* String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        var bytes = (byte*)Allocate(length + 1);
        var written = Encoding.UTF8.GetBytes(value, new Span<byte>(bytes, length));
        bytes[written] = 0;
        return bytes;
    }

    public byte** Array(IReadOnlyList<string> values)
    {
        var array = (byte**)Allocate((values.Count + 1) * sizeof(byte*));
        for (var i = 0; i < values.Count; i++)
        {
            array[i] = String(values[i]);
        }

        array[values.Count] = null;
        return array;
    }

    public void* Zeroed(int size)
    {
        var block = NativeMemory.AllocZeroed((nuint)size);
        _blocks.Add((nint)block);
        return block;
    }

    public void Dispose()
    {
        foreach (var block in _blocks)
        {
            NativeMemory.Free((void*)block);
        }

        _blocks.Clear();
    }

    private void* Allocate(int size)
    {
        var block = NativeMemory.Alloc((nuint)size);
        _blocks.Add((nint)block);
        return block;
    }
}

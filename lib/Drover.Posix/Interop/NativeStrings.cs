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
        int length = Encoding.UTF8.GetByteCount(value);
        byte* bytes = (byte*)Allocate(length + 1);
        int written = Encoding.UTF8.GetBytes(value, new Span<byte>(bytes, length));
        bytes[written] = 0;
        return bytes;
    }

    public byte** Array(IReadOnlyList<string> values)
    {
        byte** array = (byte**)Allocate((values.Count + 1) * sizeof(byte*));
        for (int i = 0; i < values.Count; i++)
        {
            array[i] = String(values[i]);
        }

        array[values.Count] = null;
        return array;
    }

    public void* Zeroed(int size)
    {
        void* block = NativeMemory.AllocZeroed((nuint)size);
        _blocks.Add((nint)block);
        return block;
    }

    public void Dispose()
    {
        foreach (nint block in _blocks)
        {
            NativeMemory.Free((void*)block);
        }

        _blocks.Clear();
    }

    private void* Allocate(int size)
    {
        void* block = NativeMemory.Alloc((nuint)size);
        _blocks.Add((nint)block);
        return block;
    }
}

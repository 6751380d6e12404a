using System.Text;
using Graft.Data.Formats.TensorFiles;
using static TorchSharp.torch;

namespace Graft.Data.Formats.NumPy;

/// <summary>
/// Writes tensors as NumPy <c>.npy</c> arrays: format version 1.0 (2.0 only when the header needs it), little-endian,
/// C order, with the header padded so the data starts on a 64-byte boundary as NumPy does. <c>bfloat16</c> tensors have
/// no NumPy dtype and are rejected; convert them to <c>float32</c> first.
/// </summary>
public static class NpyWriter
{
    /// <summary>
    /// Writes <paramref name="tensor"/> to the file at <paramref name="path"/>, atomically (through a temporary file in
    /// the same folder), replacing any existing file.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensor">The tensor; it may live on any device and need not be contiguous.</param>
    /// <exception cref="ArgumentException">The tensor's dtype has no NumPy equivalent.</exception>
    public static void Write(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensor);
        var header = Header(tensor);
        AtomicFile.Write(path, stream =>
        {
            stream.Write(header);
            TensorBytes.Write(stream, tensor);
        });
    }

    /// <summary>Writes <paramref name="tensor"/> as one <c>.npy</c> array at the current position of <paramref name="stream"/>.</summary>
    /// <param name="stream">The stream to write to.</param>
    /// <param name="tensor">The tensor; it may live on any device and need not be contiguous.</param>
    /// <exception cref="ArgumentException">The tensor's dtype has no NumPy equivalent.</exception>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        stream.Write(Header(tensor));
        TensorBytes.Write(stream, tensor);
    }

    /// <summary>The magic, version, header length and padded header for <paramref name="tensor"/>.</summary>
    internal static byte[] Header(Tensor tensor)
    {
        var descr = NpyDType.DescrFor(tensor.dtype)
            ?? throw new ArgumentException($"A {tensor.dtype} tensor has no NumPy dtype; convert it (e.g. to float32) before writing a .npy file.", nameof(tensor));
        var dict = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {NpyReader.FormatTuple(tensor.shape)}, }}";
        const int Alignment = 64;
        int preamble = 10;
        int unpadded = preamble + dict.Length + 1; // + the closing newline
        int padded = (unpadded + Alignment - 1) / Alignment * Alignment;
        if (padded - preamble > ushort.MaxValue)
        {
            preamble = 12;
            unpadded = preamble + dict.Length + 1;
            padded = (unpadded + Alignment - 1) / Alignment * Alignment;
        }

        int headerLength = padded - preamble;
        var bytes = new byte[padded];
        bytes[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", bytes.AsSpan(1));
        bytes[6] = preamble == 10 ? (byte)1 : (byte)2;
        bytes[7] = 0;
        if (preamble == 10) System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)headerLength);
        else System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), (uint)headerLength);
        int written = Encoding.ASCII.GetBytes(dict, bytes.AsSpan(preamble));
        bytes.AsSpan(preamble + written, padded - preamble - written - 1).Fill((byte)' ');
        bytes[^1] = (byte)'\n';
        return bytes;
    }
}

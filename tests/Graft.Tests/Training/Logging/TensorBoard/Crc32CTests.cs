using System.Buffers.Binary;
using System.Text;
using Graft.Training.Logging.TensorBoard;

namespace Graft.Tests.Training.Logging.TensorBoard;

public class Crc32CTests
{
    [Fact]
    public void Check_value_of_the_digits_1_to_9_is_E3069283() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute(Encoding.ASCII.GetBytes("123456789")));

    [Fact]
    public void Thirty_two_zero_bytes_give_8A9136AA() =>
        Assert.Equal(0x8A9136AAu, Crc32C.Compute(new byte[32]));

    [Fact]
    public void Thirty_two_0xFF_bytes_and_ascending_and_descending_bytes_match_the_iSCSI_vectors()
    {
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray()));
    }

    [Fact]
    public void Empty_input_gives_zero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void Appending_in_pieces_gives_the_same_checksum_as_one_pass()
    {
        byte[] data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31 + 7)).ToArray();
        uint crc = Crc32C.Append(Crc32C.Append(Crc32C.Compute(data.AsSpan(0, 13)), data.AsSpan(13, 500)), data.AsSpan(513));
        Assert.Equal(Crc32C.Compute(data), crc);
        Assert.Equal(IndependentEventParser.Crc32CBitwise(data, 0, data.Length), crc);
    }

    [Fact]
    public void Mask_rotates_right_by_15_bits_and_adds_A282EAD8()
    {
        Assert.Equal(0xA282EAD8u, Crc32C.Mask(0));
        Assert.Equal(0xC78AB0E5u, Crc32C.Mask(0xE3069283));
        // Bit 15 moves to bit 0; the constant then adds.
        Assert.Equal(1u + 0xA282EAD8u, Crc32C.Mask(1u << 15));
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(0xE3069283u)]
    [InlineData(0xFFFFFFFFu)]
    [InlineData(0x5D7C1515u)]
    public void Unmask_undoes_mask(uint crc) => Assert.Equal(crc, Crc32C.Unmask(Crc32C.Mask(crc)));

    [Fact]
    public void A_framed_record_holds_the_length_its_masked_crc_the_data_and_the_data_masked_crc()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");
        byte[] record = TfRecord.Frame(data);
        Assert.Equal(12 + 9 + 4, record.Length);
        Assert.Equal(new byte[] { 9, 0, 0, 0, 0, 0, 0, 0 }, record[..8]);
        Assert.Equal(IndependentEventParser.MaskedCrc(record, 0, 8), BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(8)));
        Assert.Equal(data, record[12..21]);
        Assert.Equal(0xC78AB0E5u, BinaryPrimitives.ReadUInt32LittleEndian(record.AsSpan(21)));
    }
}

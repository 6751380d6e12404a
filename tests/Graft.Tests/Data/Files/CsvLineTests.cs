using Graft.Data;
using Graft.Data.Files;

namespace Graft.Tests.Data.Files;

public class CsvLineTests
{
    [Fact]
    public void Quoted_fields_keep_delimiters_and_doubled_quotes_and_unquoted_fields_are_trimmed()
    {
        var fields = CsvLine.Split(" a ,\"b, \"\"c\"\"\" , ,\"\"", ',', "f.csv", 1);

        Assert.Equal(new[] { "a", "b, \"c\"", "", "" }, fields);
    }

    [Fact]
    public void An_unclosed_quote_names_the_line_and_character()
    {
        var error = Assert.Throws<DataFormatException>(() => CsvLine.Split("x,\"abc", ',', "f.csv", 7));

        Assert.Equal("f.csv (line 7): the quoted field 2 that opens at character 3 is not closed on this line; expected a closing '\"' (fields cannot span lines).", error.Message);
    }

    [Fact]
    public void Text_after_a_closing_quote_is_an_error()
    {
        var error = Assert.Throws<DataFormatException>(() => CsvLine.Split("\"ab\"c,d", ',', "f.csv", 2));

        Assert.Contains("f.csv (line 2)", error.Message);
        Assert.Contains("unexpected 'c' after the closing quote of field 1", error.Message);
    }
}

using System.Text;

namespace Graft.Data.Files;

/// <summary>Splits one line of a delimited index file into fields (RFC 4180 quoting within the line).</summary>
internal static class CsvLine
{
    /// <summary>
    /// Splits <paramref name="line"/> at <paramref name="delimiter"/>. A field may be quoted with <c>"</c> (a doubled
    /// <c>""</c> inside is one quote); unquoted fields are trimmed of surrounding white space. Quoted fields cannot
    /// span lines.
    /// </summary>
    /// <param name="line">The line without its line break.</param>
    /// <param name="delimiter">The field delimiter.</param>
    /// <param name="file">The file, for errors.</param>
    /// <param name="lineNumber">The 1-based line number, for errors.</param>
    /// <exception cref="DataFormatException">An unclosed quote or text after a closing quote.</exception>
    public static List<string> Split(string line, char delimiter, string file, int lineNumber)
    {
        var fields = new List<string>();
        int i = 0;
        while (true)
        {
            int start = i;
            while (i < line.Length && char.IsWhiteSpace(line[i]) && line[i] != delimiter) i++;
            if (i < line.Length && line[i] == '"')
            {
                int open = i;
                var sb = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                        throw new DataFormatException(file,
                            $"the quoted field {fields.Count + 1} that opens at character {open + 1} is not closed on this line; expected a closing '\"' (fields cannot span lines).",
                            $"line {lineNumber}");
                    char c = line[i];
                    if (c == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            sb.Append('"');
                            i += 2;
                            continue;
                        }

                        i++;
                        break;
                    }

                    sb.Append(c);
                    i++;
                }

                while (i < line.Length && char.IsWhiteSpace(line[i]) && line[i] != delimiter) i++;
                fields.Add(sb.ToString());
                if (i == line.Length) return fields;
                if (line[i] != delimiter)
                    throw new DataFormatException(file,
                        $"unexpected '{line[i]}' after the closing quote of field {fields.Count} (character {i + 1}); expected '{delimiter}' or the end of the line.",
                        $"line {lineNumber}");
                i++;
            }
            else
            {
                int end = line.IndexOf(delimiter, start);
                if (end < 0)
                {
                    fields.Add(line[start..].Trim());
                    return fields;
                }

                fields.Add(line[start..end].Trim());
                i = end + 1;
            }
        }
    }
}

using System.Globalization;
using System.Text;
using Graft.Data.Formats.Idx;

namespace Graft.Data.Formats.Csv;

/// <summary>
/// Splits a delimited text file into records following RFC 4180: fields may be quoted, a quoted field may hold the
/// delimiter, line breaks and doubled quotes. Blank lines are skipped. Line numbers are 1-based physical lines.
/// Reads incrementally: memory grows only with the longest record.
/// </summary>
internal sealed class CsvTokenizer : IDisposable
{
    private readonly TextReader _reader;
    private readonly char _delimiter;
    private readonly string _path;
    private readonly char[] _buffer = new char[1 << 16];
    private readonly StringBuilder _field = new();
    private int _position;
    private int _length;
    private long _line = 1;

    public CsvTokenizer(TextReader reader, char delimiter, string path)
    {
        _reader = reader;
        _delimiter = delimiter;
        _path = path;
    }

    /// <summary>The header's column names, used to name columns in error messages once known.</summary>
    public IReadOnlyList<string>? ColumnNames { get; set; }

    /// <summary>Opens <paramref name="path"/> (plain or gzip-compressed text, UTF-8 unless a byte-order mark says otherwise).</summary>
    public static CsvTokenizer Open(string path, char delimiter)
    {
        var stream = GzipDetection.Open(path, out _, out _);
        var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        return new CsvTokenizer(reader, delimiter, path);
    }

    /// <summary>
    /// Reads the next record into <paramref name="fields"/>. Returns false at the end of the file.
    /// <paramref name="line"/> is the line on which the record starts.
    /// </summary>
    public bool ReadRecord(List<string> fields, out long line)
    {
        fields.Clear();
        while (true)
        {
            int c = Peek();
            if (c == -1)
            {
                line = _line;
                return false;
            }

            if (c is '\n' or '\r')
            {
                ConsumeLineBreak();
                continue;
            }

            break;
        }

        line = _line;
        while (true)
        {
            _field.Clear();
            if (Peek() == '"')
            {
                Next();
                long opened = _line;
                while (true)
                {
                    int c = Next();
                    if (c == -1)
                        throw new DataFormatException(_path,
                            $"the quoted field opened on line {opened} is never closed; expected a closing quote before the end of the file",
                            Location(opened, fields.Count));
                    if (c == '"')
                    {
                        if (Peek() == '"')
                        {
                            Next();
                            _field.Append('"');
                            continue;
                        }

                        break;
                    }

                    if (c == '\n' || (c == '\r' && Peek() != '\n')) _line++;
                    _field.Append((char)c);
                }

                int after = Peek();
                if (after == _delimiter)
                {
                    Next();
                    fields.Add(_field.ToString());
                    continue;
                }

                if (after is -1 or '\n' or '\r')
                {
                    fields.Add(_field.ToString());
                    ConsumeLineBreak();
                    return true;
                }

                throw new DataFormatException(_path,
                    $"unexpected character '{(char)after}' after the closing quote of a quoted field; expected the delimiter '{_delimiter}' or the end of the line (write a quote inside a quoted field as two quotes)",
                    Location(_line, fields.Count));
            }

            while (true)
            {
                int c = Peek();
                if (c is -1 or '\n' or '\r')
                {
                    fields.Add(_field.ToString());
                    ConsumeLineBreak();
                    return true;
                }

                Next();
                if (c == _delimiter)
                {
                    fields.Add(_field.ToString());
                    break;
                }

                _field.Append((char)c);
            }
        }
    }

    public void Dispose() => _reader.Dispose();

    private string Location(long line, int column)
    {
        string name = ColumnNames is { } names && column < names.Count
            ? $"\"{names[column]}\""
            : (column + 1).ToString(CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"line {line}, column {name}");
    }

    private void ConsumeLineBreak()
    {
        int c = Peek();
        if (c == '\r')
        {
            Next();
            if (Peek() == '\n') Next();
            _line++;
        }
        else if (c == '\n')
        {
            Next();
            _line++;
        }
    }

    private int Peek()
    {
        if (_position < _length) return _buffer[_position];
        _length = _reader.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _length <= 0 ? -1 : _buffer[0];
    }

    private int Next()
    {
        int c = Peek();
        if (c != -1) _position++;
        return c;
    }
}

using Graft.Data;
using Graft.Flows.Composition;
using Graft.Flows.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Graft.Flows.Synthetic;

/// <summary>
/// A synthetic multi-task image dataset modelled on the seed's security-camera scene. Each RGB image shows a wall
/// with a door on the right; the camera may be blocked (a dark, noisy frame); the door is open (a dark opening) or
/// closed (brown, with a red "locked" or green "unlocked" light); through an open door a person may be present: a
/// face (skin, perhaps glasses, a hat, a beard) above a body in one of seven shirt colours. Labels that do not apply
/// (the door of a blocked camera, the lock of an open door, the person behind a closed one) are missing (mask false),
/// exactly the situation preconditions are for. Boxes are in pixels (<c>x1</c>, <c>y1</c>, <c>w</c>, <c>h</c>).
/// </summary>
/// <example>
/// <code>
/// using var data = SecurityCameraScenes.Generate(4000, seed: 1);
/// var project = SecurityCameraScenes.Project();
/// var compiled = FlowCompiler.Compile(project.Build("full_flow"), new[] { new FlowEncoder("features", "image", backbone) }, data.Schema);
/// </code>
/// </example>
public static class SecurityCameraScenes
{
    /// <summary>The shirt types, in class order.</summary>
    public static IReadOnlyList<string> ShirtTypes { get; } = new[] { "red", "green", "blue", "yellow", "magenta", "cyan", "white" };

    /// <summary>The facial characteristics, in flag order.</summary>
    public static IReadOnlyList<string> FacialCharacteristics { get; } = new[] { "glasses", "hat", "beard" };

    private static readonly float[][] ShirtColours =
    {
        new[] { 0.9f, 0.1f, 0.1f }, new[] { 0.1f, 0.8f, 0.1f }, new[] { 0.1f, 0.2f, 0.9f }, new[] { 0.95f, 0.9f, 0.1f },
        new[] { 0.9f, 0.1f, 0.9f }, new[] { 0.1f, 0.9f, 0.9f }, new[] { 1f, 1f, 1f },
    };

    /// <summary>The box tasks of the face and the body, in order.</summary>
    public static IReadOnlyList<string> BoxTasks { get; } = new[] { "face_x1", "face_y1", "face_w", "face_h", "body_x1", "body_y1", "body_w", "body_h" };

    /// <summary>
    /// Generates <paramref name="count"/> scenes of <paramref name="size"/>×<paramref name="size"/> pixels (at least 24):
    /// feature <c>image</c> <c>float32 [N, 3, size, size]</c> and one label per task of <see cref="Project"/>.
    /// </summary>
    public static TensorDataset Generate(int count, int seed = 0, int size = 32)
    {
        if (count < 1) throw new ArgumentException($"count must be at least 1; it is {count}.");
        if (size < 24) throw new ArgumentException($"size must be at least 24 pixels; it is {size}.");
        var rng = new Random(seed);
        int s = size;
        var image = new float[count * 3 * s * s];
        var labels = new Dictionary<string, (float[] Values, bool[] Mask)>();
        foreach (var name in new[] { "camera_blocked", "door_open", "door_locked", "person_present", "shirt_type" }.Concat(BoxTasks))
            labels[name] = (new float[count], new bool[count]);
        var traits = (Values: new float[count * 3], Mask: new bool[count]);

        float Noise(double amplitude) => (float)((rng.NextDouble() * 2 - 1) * amplitude);
        for (int n = 0; n < count; n++)
        {
            int offset = n * 3 * s * s;
            void Fill(int x0, int y0, int w, int h, float[] rgb)
            {
                for (int y = Math.Max(0, y0); y < Math.Min(s, y0 + h); y++)
                    for (int x = Math.Max(0, x0); x < Math.Min(s, x0 + w); x++)
                        for (int c = 0; c < 3; c++) image[offset + c * s * s + y * s + x] = rgb[c];
            }

            void Set(string task, float value) => labels[task] = Mark(labels[task], n, value);

            bool blocked = rng.NextDouble() < 0.15;
            Set("camera_blocked", blocked ? 1 : 0);
            if (blocked)
            {
                for (int i = 0; i < 3 * s * s; i++) image[offset + i] = 0.08f + Noise(0.07);
                continue;
            }

            for (int y = 0; y < s; y++)
                for (int x = 0; x < s; x++)
                {
                    float wall = y > s * 7 / 8 ? 0.4f : 0.6f;
                    for (int c = 0; c < 3; c++) image[offset + c * s * s + y * s + x] = wall - 0.04f * c + Noise(0.03);
                }

            int doorX = s - s * 9 / 32 - 1, doorY = s * 6 / 32, doorW = s * 9 / 32, doorH = s - doorY - s / 16;
            bool open = rng.NextDouble() < 0.55;
            Set("door_open", open ? 1 : 0);
            if (!open)
            {
                Fill(doorX, doorY, doorW, doorH, new[] { 0.55f, 0.35f, 0.15f });
                bool locked = rng.NextDouble() < 0.5;
                Set("door_locked", locked ? 1 : 0);
                Fill(doorX + 1, doorY + doorH / 2, 2, 2, locked ? new[] { 0.95f, 0.05f, 0.05f } : new[] { 0.05f, 0.95f, 0.05f });
                continue;
            }

            Fill(doorX, doorY, doorW, doorH, new[] { 0.08f, 0.08f, 0.1f });
            bool present = rng.NextDouble() < 0.7;
            Set("person_present", present ? 1 : 0);
            if (!present) continue;

            int area = doorX - 1; // the person stands left of the door
            int bodyW = rng.Next(s * 5 / 32, s * 8 / 32 + 1), bodyH = rng.Next(s * 9 / 32, s * 14 / 32 + 1);
            int bodyX = rng.Next(1, area - bodyW), bodyY = rng.Next(s * 12 / 32, s - bodyH - 1);
            int faceW = rng.Next(s * 4 / 32, Math.Min(bodyW, s * 6 / 32) + 1), faceH = faceW;
            int faceX = bodyX + (bodyW - faceW) / 2 + rng.Next(-1, 2), faceY = bodyY - faceH;
            int shirt = rng.Next(ShirtColours.Length);
            Fill(bodyX, bodyY, bodyW, bodyH, ShirtColours[shirt]);
            Fill(faceX, faceY, faceW, faceH, new[] { 0.95f, 0.78f, 0.62f });
            bool glasses = rng.NextDouble() < 0.5, hat = rng.NextDouble() < 0.5, beard = rng.NextDouble() < 0.5;
            if (glasses) Fill(faceX, faceY + faceH / 3, faceW, 1, new[] { 0.05f, 0.05f, 0.05f });
            if (hat) Fill(faceX - 1, faceY - 2, faceW + 2, 2, new[] { 0.2f, 0.1f, 0.3f });
            if (beard) Fill(faceX + 1, faceY + faceH - 1, faceW - 2, 1, new[] { 0.35f, 0.2f, 0.05f });
            Set("shirt_type", shirt);
            float[] box = { faceX, faceY, faceW, faceH, bodyX, bodyY, bodyW, bodyH };
            for (int i = 0; i < BoxTasks.Count; i++) Set(BoxTasks[i], box[i]);
            traits.Values[n * 3] = glasses ? 1 : 0;
            traits.Values[n * 3 + 1] = hat ? 1 : 0;
            traits.Values[n * 3 + 2] = beard ? 1 : 0;
            traits.Mask[n] = true;
        }

        var data = new TensorDataset().WithFeature("image", tensor(image).reshape(count, 3, s, s).clamp(0, 1));
        foreach (var name in new[] { "camera_blocked", "door_open", "door_locked", "person_present" })
            data = data.WithLabel(name, tensor(labels[name].Values).to_type(ScalarType.Int64), LabelKind.Class, tensor(labels[name].Mask), new[] { "no", "yes" });
        foreach (var name in BoxTasks) data = data.WithLabel(name, tensor(labels[name].Values), LabelKind.Value, tensor(labels[name].Mask));
        data = data.WithLabel("shirt_type", tensor(labels["shirt_type"].Values).to_type(ScalarType.Int64), LabelKind.Class, tensor(labels["shirt_type"].Mask), ShirtTypes);
        data = data.WithLabel("facial_characteristics", tensor(traits.Values).reshape(count, 3), LabelKind.MultiLabel, tensor(traits.Mask), FacialCharacteristics);
        return data;
    }

    /// <summary>
    /// The seed's flows over input <c>features</c>: <c>full_flow</c> (camera_blocked; door_open | ~camera_blocked;
    /// door_locked | ~door_open; person_present | door_open; person_regression | person_present), with
    /// <c>person_regression</c> made of <c>face_regression</c> (box, facial characteristics) and <c>body_regression</c>
    /// (box, shirt type).
    /// </summary>
    public static FlowProject Project(int size = 32)
    {
        var project = new FlowProject(
            new BinaryTask("camera_blocked"), new BinaryTask("door_open"), new BinaryTask("door_locked"), new BinaryTask("person_present"),
            new MultiLabelTask("facial_characteristics", 3, flagNames: FacialCharacteristics), new ClassificationTask("shirt_type", ShirtTypes.Count, classNames: ShirtTypes));
        foreach (var box in BoxTasks) project.AddTask(new BoundedRegressionTask(box, scale: size));
        project.AddFlow("face_regression", (f, x, o) =>
        {
            foreach (var t in BoxTasks.Take(4)) o += f[t](x["features"]);
            o += f["facial_characteristics"](x["features"]);
            return o;
        });
        project.AddFlow("body_regression", (f, x, o) =>
        {
            foreach (var t in BoxTasks.Skip(4)) o += f[t](x["features"]);
            o += f["shirt_type"](x["features"]);
            return o;
        });
        project.AddFlow("person_regression", (f, x, o) =>
        {
            o += f["face_regression"](x["features"]);
            o += f["body_regression"](x["features"]);
            return o;
        });
        project.AddFlow("full_flow", (f, x, o) =>
        {
            o += f["camera_blocked"](x["features"]);
            o += f["door_open"](x["features"]) | ~o["camera_blocked"];
            o += f["door_locked"](x["features"]) | ~o["door_open"];
            o += f["person_present"](x["features"]) | o["door_open"];
            o += f["person_regression"](x["features"]) | o["person_present"];
            return o;
        });
        return project;
    }

    private static (float[] Values, bool[] Mask) Mark((float[] Values, bool[] Mask) label, int n, float value)
    {
        label.Values[n] = value;
        label.Mask[n] = true;
        return label;
    }
}

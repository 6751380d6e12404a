using System.Text.Json.Serialization;

namespace Graft.Training.Schedules;

/// <summary>
/// Everything a <see cref="LearningRateSchedule"/> needs to resume where it stopped; serialisable with System.Text.Json.
/// The configuration (total steps, gamma, ...) is not part of it: restore into a schedule built with the same options.
/// </summary>
/// <param name="Kind">The kind of schedule that produced the state (e.g. <c>cosine</c>, <c>warmup+plateau</c>); loading checks it.</param>
/// <param name="Steps">Optimizer steps (batches) completed.</param>
/// <param name="Epochs">Epochs completed.</param>
/// <param name="Best">Plateau: the best monitored value so far, or null before the first one.</param>
/// <param name="BadEpochs">Plateau: epochs in a row without enough improvement.</param>
/// <param name="CooldownLeft">Plateau: epochs of cooldown still to wait after the last reduction.</param>
/// <param name="PlateauFactor">Plateau: the multiplier reached by the reductions so far (1 for other schedules).</param>
public sealed record ScheduleState(
    string Kind,
    long Steps,
    int Epochs,
    [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double? Best = null,
    int BadEpochs = 0,
    int CooldownLeft = 0,
    [property: JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double PlateauFactor = 1);

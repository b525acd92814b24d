using LipGen.Data;

namespace LipGen.Training;

/// <summary>What one epoch measured.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Loss">Mean loss over the epoch's samples, each taken at the parameters of its own step.</param>
/// <param name="Accuracy">Fraction of the epoch's samples classified correctly at their step (see <see cref="Metrics.IsCorrect(ReadOnlySpan{float}, ReadOnlySpan{float})"/>), for a classification loss; NaN for a regression loss.</param>
/// <param name="LipschitzBound">The certificate after the epoch's last projection.</param>
public readonly record struct EpochReport(int Epoch, double Loss, double Accuracy, double LipschitzBound)
{
    /// <summary>The validation set after the epoch (<see cref="TrainingOptions.Validation"/>); null without one.</summary>
    public Evaluation? Validation { get; init; }

    /// <summary>The learning rate the epoch ran with.</summary>
    public double LearningRate { get; init; }

    /// <summary>A short line: the epoch, its loss and accuracy, the certificate, the validation set and the rate.</summary>
    public override string ToString()
    {
        string line = double.IsNaN(Accuracy)
            ? Text.Format($"epoch {Epoch}: loss {Loss:G4}, L̂ {LipschitzBound:G6}")
            : Text.Format($"epoch {Epoch}: loss {Loss:G4}, accuracy {Accuracy:P1}, L̂ {LipschitzBound:G6}");
        if (Validation is { } validation)
            line += $"; validation {validation}";
        return LearningRate > 0 ? line + Text.Format($"; lr {LearningRate:G3}") : line;
    }
}

/// <summary>
/// Mini-batch training of one generated network. Each step gathers the batch feature-major ([width × samples], padded with
/// zero columns to whole vectors), runs the network's batched forward pass, evaluates the loss per sample, runs the
/// batched backward pass into one gradient, takes an Adam step on the mean gradient and projects onto the Lipschitz
/// constraint (or, with <see cref="ConstraintMethod.Reparametrization"/>, steps free weights V and runs the network on their
/// projection N(V), with the gradient taken through N). Buffers grow only when a larger batch arrives, so steps allocate nothing. The kernel and the loss are
/// generic arguments: the JIT compiles this class once per network and loss, with direct calls into the generated code.
/// </summary>
public sealed class TrainingSession<TKernel, TLoss>
    where TKernel : struct, ILipschitzKernel
    where TLoss : struct, ILoss
{
    private readonly ILipschitzNetwork<TKernel> _network;
    private readonly TLoss _loss;
    private readonly float[] _gradient = new float[TKernel.ParameterCount];
    private readonly float[] _lastFinite = new float[TKernel.ParameterCount]; // the weights before the current update
    private readonly float[] _epochStart = new float[TKernel.ParameterCount]; // the weights a cancelled epoch goes back to
    // The feature-major batch: inputs, outputs, output gradients and workspace in one aligned buffer, each part whole
    // 16-float blocks long, so every row starts on a cache line. It grows (Prepare) only when a larger batch arrives.
    private float[]? _batch;
    private float[] _outputRows = [], _targetRows = [], _gradientRows = []; // the batch row-major, as EvaluateBatch takes it
    private float[]? _original, _lastFiniteOriginal, _epochStartOriginal; // V, with reparametrisation
    private int[] _order = [];
    private Dataset? _checkedData; // the last data set CheckData accepted
    private SeededRandom _shuffle;
    private int _epoch;

    /// <summary>
    /// Starts a session; the optimizer is Adam with <paramref name="learningRate"/>, <paramref name="beta1"/>,
    /// <paramref name="beta2"/> and <paramref name="epsilon"/> (PyTorch's defaults).
    /// </summary>
    public TrainingSession(ILipschitzNetwork<TKernel> network, TLoss loss, double learningRate = 1e-3, ulong shuffleSeed = 0,
        double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _loss = loss;
        Optimizer = new AdamOptimizer(TKernel.ParameterCount, AdamOptimizer.Rate(learningRate, nameof(learningRate)), (float)beta1, (float)beta2, (float)epsilon);
        _shuffle = new SeededRandom(shuffleSeed);
    }

    /// <summary>The optimizer and its state.</summary>
    public AdamOptimizer Optimizer { get; }

    /// <summary>The optimizer's learning rate, which a schedule may change between steps (to 0 too: no movement).</summary>
    public double LearningRate
    {
        get => Optimizer.LearningRate;
        set => Optimizer.LearningRate = AdamOptimizer.Rate(value, nameof(value), allowZero: true);
    }

    /// <summary>
    /// Visit the samples of each epoch in a new seeded order (true, the default) or in their order in the data (false:
    /// with a batch of the whole data, every step is a full-batch step).
    /// </summary>
    public bool Shuffle { get; set; } = true;

    /// <summary>
    /// Threads a step may use: −1 (the default) for every core, or a positive count. Results are bit-identical for every
    /// value (each product splits its columns, or its weight-gradient rows, in a fixed way).
    /// </summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegreeOfParallelism;
        set
        {
            Kernels.WorkerPool.Resolve(value, nameof(value));
            _maxDegreeOfParallelism = value;
        }
    }

    private int _maxDegreeOfParallelism = -1;

    /// <summary>
    /// How the weights are kept inside the constraint: <see cref="ConstraintMethod.Projection"/> (the default) or
    /// <see cref="ConstraintMethod.Reparametrization"/>. Switching to reparametrisation starts the free weights V at the
    /// network's current weights (which are inside the constraint, so N(V) is the network unchanged).
    /// </summary>
    public ConstraintMethod Constraint
    {
        get => _original is null ? ConstraintMethod.Projection : ConstraintMethod.Reparametrization;
        set
        {
            if (value == Constraint)
                return;
            if (value == ConstraintMethod.Projection)
            {
                _original = _lastFiniteOriginal = _epochStartOriginal = null;
                return;
            }
            if (value != ConstraintMethod.Reparametrization)
                throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown constraint method.");
            if (_bjorckIterations > 0)
                throw new InvalidOperationException("Björck orthogonalisation runs after a projected step; reparametrised training takes no gradient through it.");
            if (!Reparametrization.Supports(TKernel.Description.Plan))
                throw new InvalidOperationException(
                    $"{TKernel.Description.Name} has {TKernel.Description.Constraint} layers; reparametrised training is implemented for row-bounded layers (and AOL layers, which are reparametrised by construction). "
                    + "Train it with ConstraintMethod.Projection (the default; TrainingOptions.BjorckIterations adds orthogonalisation).");
            _original = _network.Parameters.ToArray();
            _lastFiniteOriginal = new float[_original.Length];
            _epochStartOriginal = new float[_original.Length];
        }
    }

    /// <summary>
    /// Björck–Bowie steps on every spectral layer after each Adam step, before the projection (0: none). Only with
    /// <see cref="ConstraintMethod.Projection"/>, and only for networks declared with spectral layers.
    /// </summary>
    public int BjorckIterations
    {
        get => _bjorckIterations;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            if (value > 0 && TKernel.Description.Constraint != LayerConstraint.Spectral)
                throw new InvalidOperationException($"{TKernel.Description.Name} has row-bounded layers; Björck orthogonalisation is for spectral layers (Constraint = LayerConstraint.Spectral).");
            if (value > 0 && _original is not null)
                throw new InvalidOperationException("Björck orthogonalisation runs after a projected step; reparametrised training takes no gradient through it.");
            _bjorckIterations = value;
        }
    }

    private int _bjorckIterations;

    /// <summary>The free weights V of reparametrised training (the network runs on N(V)); empty with projection.</summary>
    public ReadOnlySpan<float> FreeParameters => _original;

    /// <summary>
    /// One step on a contiguous batch (row-major inputs [batch, in], targets [batch, out]). Returns the summed loss and
    /// the number of correctly classified samples, both taken before the update. A non-finite input or target throws an
    /// <see cref="ArgumentException"/> naming its row before any weight changes; a step whose loss or update is not
    /// finite restores the weights it started from and throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public (double LossSum, int Correct) Step(ReadOnlySpan<float> inputs, ReadOnlySpan<float> targets)
    {
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        if (inputs.Length == 0 || inputs.Length % n != 0)
            throw new ArgumentException($"inputs has {inputs.Length} values; a batch needs a positive whole number of rows of {n}.", nameof(inputs));
        int batch = inputs.Length / n;
        if (targets.Length != batch * m)
            throw new ArgumentException($"targets has {targets.Length} values; {batch} rows of {m} need {batch * m}.", nameof(targets));
        CheckFinite(inputs, n, nameof(inputs));
        CheckFinite(targets, m, nameof(targets));
        CheckMaps(_network.Parameters);
        int columns = Prepare(batch);
        Span<float> batchInputs = Inputs(columns);
        for (int s = 0; s < batch; s++)
            Scatter(inputs.Slice(s * n, n), batchInputs, s, columns);
        double lossSum = 0;
        int correct = 0;
        Train(batch, columns, null, default, targets, ref lossSum, ref correct);
        return (lossSum, correct);
    }

    /// <summary>
    /// One epoch over <paramref name="data"/> in a seeded shuffled order, in batches of <paramref name="batchSize"/>
    /// (the last one may be smaller). If training diverges (a loss or an update that is not finite), the weights of the
    /// last finite step are restored and <see cref="InvalidOperationException"/> is thrown. Cancellation is checked before
    /// every batch; a cancelled epoch restores the weights it started from (the last completed epoch's) and throws
    /// <see cref="OperationCanceledException"/>. The optimizer's moments keep the steps taken.
    /// </summary>
    public EpochReport RunEpoch(Dataset data, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!ReferenceEquals(data, _checkedData))
        {
            CheckData(data, _loss); // once per data set: a Dataset cannot change, and its targets' check was 1 % of an S epoch
            _checkedData = data;
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        CheckMaps(_network.Parameters);
        if (_order.Length != data.Count)
        {
            _order = new int[data.Count];
            for (int i = 0; i < _order.Length; i++)
                _order[i] = i;
        }
        for (int i = _order.Length - 1; Shuffle && i > 0; i--) // Fisher–Yates
        {
            int j = _shuffle.NextInt(i + 1);
            (_order[i], _order[j]) = (_order[j], _order[i]);
        }

        double lossSum = 0;
        int correct = 0;
        _network.Parameters.CopyTo(_epochStart);
        _original?.CopyTo(_epochStartOriginal!, 0);
        for (int start = 0; start < _order.Length; start += batchSize)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _epochStart.CopyTo(_network.Parameters);
                _epochStartOriginal?.CopyTo(_original!, 0);
                cancellationToken.ThrowIfCancellationRequested();
            }
            int batch = Math.Min(batchSize, _order.Length - start);
            int columns = Prepare(batch);
            ReadOnlySpan<int> order = _order.AsSpan(start, batch);
            Gather(data.Inputs, order, Inputs(columns), columns);
            Train(batch, columns, data, order, default, ref lossSum, ref correct);
        }
        return new EpochReport(++_epoch, lossSum / data.Count, _loss.NeedsLabels ? (double)correct / data.Count : double.NaN,
            TKernel.LipschitzBound(_network.Parameters));
    }

    /// <summary>Sizes the buffers for a batch and returns its padded column count; padding columns are zeroed.</summary>
    private int Prepare(int batch)
    {
        int columns = (batch + Kernels.Batched.BatchLayout.ColumnMultiple - 1) / Kernels.Batched.BatchLayout.ColumnMultiple * Kernels.Batched.BatchLayout.ColumnMultiple;
        Batch(columns); // grows the buffer, before anything is written into it
        if (_outputRows.Length < TKernel.OutputCount * columns)
        {
            _outputRows = new float[TKernel.OutputCount * columns];
            _targetRows = new float[TKernel.OutputCount * columns];
            _gradientRows = new float[TKernel.OutputCount * columns];
        }
        // Padding samples: zero inputs, and zero output gradients so they add nothing to the gradient.
        Span<float> inputs = Inputs(columns), outputGradients = OutputGradients(columns);
        for (int s = batch; s < columns; s++)
        {
            for (int i = 0; i < TKernel.InputCount; i++)
                inputs[i * columns + s] = 0;
            for (int k = 0; k < TKernel.OutputCount; k++)
                outputGradients[k * columns + s] = 0;
        }
        return columns;
    }

    // The parts of the batch buffer for a step of `columns` padded columns.
    private Span<float> Batch(int columns) => Kernels.AlignedBuffer.Get(ref _batch, (TKernel.InputCount + 2 * TKernel.OutputCount + TKernel.WorkspaceLength) * columns);

    private Span<float> Inputs(int columns) => Batch(columns).Slice(0, TKernel.InputCount * columns);

    private Span<float> Outputs(int columns) => Batch(columns).Slice(TKernel.InputCount * columns, TKernel.OutputCount * columns);

    private Span<float> OutputGradients(int columns) => Batch(columns).Slice((TKernel.InputCount + TKernel.OutputCount) * columns, TKernel.OutputCount * columns);

    private Span<float> Workspace(int columns) => Batch(columns).Slice((TKernel.InputCount + 2 * TKernel.OutputCount) * columns);

    private static void Scatter(ReadOnlySpan<float> sample, Span<float> matrix, int column, int columns)
    {
        for (int i = 0; i < sample.Length; i++)
            matrix[i * columns + column] = sample[i];
    }

    /// <summary>
    /// The rows <paramref name="order"/> names of the row-major <paramref name="all"/> into the columns of the feature-major
    /// batch: a row at a time, without a call per sample.
    /// </summary>
    private static void Gather(ReadOnlySpan<float> all, ReadOnlySpan<int> order, Span<float> matrix, int columns)
    {
        int n = TKernel.InputCount;
        for (int s = 0; s < order.Length; s++)
        {
            ReadOnlySpan<float> row = all.Slice(order[s] * n, n);
            for (int i = 0; i < row.Length; i++)
                matrix[i * columns + s] = row[i];
        }
    }

    /// <summary>
    /// Forward, loss and backward for the prepared batch, then the update. Targets come from <paramref name="data"/> rows
    /// in <paramref name="order"/>, or from the contiguous <paramref name="targets"/>.
    /// </summary>
    private void Train(int batch, int columns, Dataset? data, ReadOnlySpan<int> order, ReadOnlySpan<float> targets, ref double lossSum, ref int correct)
    {
        int n = TKernel.InputCount, m = TKernel.OutputCount;
        ReadOnlySpan<float> parameters = _network.Parameters; // one interface call per step, none per sample
        ReadOnlySpan<float> inputs = Inputs(columns);
        Span<float> outputs = Outputs(columns), outputGradients = OutputGradients(columns), workspace = Workspace(columns);
        using Kernels.WorkerPool.Scope threads = Kernels.WorkerPool.Use(Kernels.WorkerPool.Resolve(_maxDegreeOfParallelism, nameof(MaxDegreeOfParallelism)));
        TKernel.ForwardBatchRecording(parameters, inputs, outputs, columns, workspace);
        // The loss on the batch as a whole, row-major: its mean and the gradient of the mean (which the backward pass sums).
        if (m == 1)
        {
            // One output (binary labels, one regression target): the rows are single values, gathered without a slice each,
            // and counted in a local (an increment through the ref each sample was a chain through memory).
            Span<float> targetRows = _targetRows.AsSpan(0, batch), outputRows = _outputRows.AsSpan(0, batch);
            outputs.Slice(0, batch).CopyTo(outputRows);
            if (data is null)
                targets.Slice(0, batch).CopyTo(targetRows);
            else
            {
                ReadOnlySpan<float> all = data.Targets;
                for (int s = 0; s < targetRows.Length; s++)
                    targetRows[s] = all[order[s]];
            }
            int right = 0;
            for (int s = 0; s < outputRows.Length; s++)
                right += Metrics.IsCorrect(outputRows[s], targetRows[s]) ? 1 : 0;
            correct += right;
        }
        else
            for (int s = 0; s < batch; s++)
            {
                ReadOnlySpan<float> target = data is null ? targets.Slice(s * m, m) : data.Target(order[s]);
                target.CopyTo(_targetRows.AsSpan(s * m, m));
                for (int k = 0; k < m; k++)
                    _outputRows[s * m + k] = outputs[k * columns + s];
                if (Metrics.IsCorrect(_outputRows.AsSpan(s * m, m), target))
                    correct++;
            }
        double batchLoss = (double)_loss.EvaluateBatch(_outputRows.AsSpan(0, batch * m), _targetRows.AsSpan(0, batch * m), _gradientRows.AsSpan(0, batch * m), m) * batch;
        if (m == 1)
            _gradientRows.AsSpan(0, batch).CopyTo(outputGradients); // row 0, columns [0, batch)
        else
            for (int s = 0; s < batch; s++)
                for (int k = 0; k < m; k++)
                    outputGradients[k * columns + s] = _gradientRows[s * m + k];
        if (!double.IsFinite(batchLoss))
            throw Diverged($"the loss of a batch is {batchLoss}");
        lossSum += batchLoss;
        Array.Clear(_gradient);
        TKernel.BackwardBatchFromRecording(parameters, inputs, outputGradients, _gradient, columns, workspace);
        if (!Kernels.Guard.AllFinite(_gradient))
            throw Diverged("the gradient of a batch is not finite"); // before the optimizer's moments see it
        // The gradient of derived values (AOL's W·D, residual blocks' diagonals) flows on to the parameters they derive from.
        TKernel.Description.Plan.BackpropagateDerived(parameters, _gradient);
        Span<float> writable = _network.Parameters;
        writable.CopyTo(_lastFinite);
        if (_original is { } original)
        {
            // Reparametrisation: the gradient flows back through N to the free weights V, Adam steps V, the network gets N(V).
            Reparametrization.Backpropagate(TKernel.Description.Plan, original, _gradient);
            original.CopyTo(_lastFiniteOriginal!, 0);
            Optimizer.Step(original, _gradient); // already the gradient of the batch's mean loss
            try
            {
                Reparametrization.Apply<TKernel>(original, writable);
            }
            catch (ArgumentException)
            {
                _lastFiniteOriginal!.CopyTo(original, 0);
                _lastFinite.CopyTo(writable);
                throw Diverged("the update made some weights non-finite");
            }
            return;
        }
        Optimizer.Step(writable, _gradient); // already the gradient of the batch's mean loss
        if (_bjorckIterations > 0)
        {
            if (!Kernels.Guard.AllFinite(writable))
            {
                _lastFinite.CopyTo(writable);
                throw Diverged("the update made some weights non-finite");
            }
            IReadOnlyList<Model.DenseStep> layers = TKernel.Description.Plan.DenseLayers;
            for (int l = 0; l < layers.Count; l++) // indexed: a foreach over the interface would allocate its enumerator
                Kernels.SpectralNorms.Orthogonalize(writable.Slice(layers[l].WeightOffset, layers[l].WeightCount), layers[l].Outputs, layers[l].Inputs, layers[l].Bound, _bjorckIterations);
        }
        try
        {
            TKernel.Project(writable); // checks every weight is finite before it changes any
        }
        catch (ArgumentException)
        {
            _lastFinite.CopyTo(writable);
            throw Diverged("the update made some weights non-finite");
        }
    }

    /// <summary>
    /// A <c>ScaleInputs</c> network whose map was declared without values and is still the identity was never fitted: training
    /// it would learn raw units through a map meant to standardise them, silently. So is a <c>ScaleOutputs</c> network whose
    /// output map is still the identity.
    /// </summary>
    private static void CheckMaps(ReadOnlySpan<float> parameters)
    {
        CheckInputMap(parameters);
        NetworkDescription description = TKernel.Description;
        if (!description.HasOutputMap)
            return;
        int m = description.OutputCount;
        ReadOnlySpan<float> offsets = parameters.Slice(description.OutputOffsetOffset, m), scales = parameters.Slice(description.OutputScaleOffset, m);
        for (int k = 0; k < m; k++)
            if (offsets[k] != 0 || scales[k] != 1)
                return;
        throw new InvalidOperationException(
            $"{description.Name} declares ScaleOutputs, but its output map is still the identity (offsets 0, scales 1): it was never fitted. "
            + "Call OutputMaps.Fit(network, trainingData) before training (or OutputMaps.Set); "
            + "for outputs with no map, declare the network without ScaleOutputs.");
    }

    private static void CheckInputMap(ReadOnlySpan<float> parameters)
    {
        NetworkDescription description = TKernel.Description;
        NetworkDeclaration declaration = description.Declaration;
        if (!declaration.ScaleInputs || declaration.InputOffsets is not null || declaration.InputScales is not null)
            return;
        int n = description.InputCount;
        ReadOnlySpan<float> offsets = parameters.Slice(description.InputOffsetOffset, n), scales = parameters.Slice(description.InputScaleOffset, n);
        for (int i = 0; i < n; i++)
            if (offsets[i] != 0 || scales[i] != 1)
                return;
        throw new InvalidOperationException(
            $"{description.Name} declares ScaleInputs, but its input map is still the identity (offsets 0, scales 1): it was never fitted. "
            + "Call InputMaps.Fit(network, trainingData) before training (or InputMaps.Set, or declare InputOffsets and InputScales); "
            + "for raw inputs with no map, declare the network without ScaleInputs.");
    }

    private InvalidOperationException Diverged(string what) =>
        new($"Training diverged in epoch {_epoch + 1}: {what}. The weights of the last finite step are kept; lower the learning rate.");

    /// <summary>Throws, naming the row, unless every value is finite.</summary>
    private static void CheckFinite(ReadOnlySpan<float> values, int width, string name)
    {
        if (Kernels.Guard.AllFinite(values))
            return;
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw new ArgumentException($"{name} row {i / width} holds {values[i]} at column {i % width}; every value must be finite.", name);
    }

    /// <summary>
    /// Checks that <paramref name="data"/> fits the network and that its targets are what the loss needs: ±1 labels, or
    /// one-hot rows (exactly one 1, the rest 0). The error names the first row that is not.
    /// </summary>
    public static void CheckData(Dataset data, TLoss loss)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.InputWidth != TKernel.InputCount || data.TargetWidth != TKernel.OutputCount)
        {
            string wayOut = data.TargetWidth == 1 && TKernel.OutputCount > 1 && data.InputWidth == TKernel.InputCount
                ? $" For class labels 0…{TKernel.OutputCount - 1} in one column, build one-hot targets with Dataset.FromClassLabels (or the DataFrame adapter's class column)."
                : "";
            throw new ArgumentException(
                $"The data has {data.InputWidth} inputs and {data.TargetWidth} targets per sample; {TKernel.Description.Name} takes {TKernel.InputCount} and gives {TKernel.OutputCount}.{wayOut}",
                nameof(data));
        }
        switch (loss.Labels)
        {
            case LabelEncoding.PlusMinusOne:
                ReadOnlySpan<float> targets = data.Targets;
                int firstZero = -1, firstNegative = -1;
                for (int i = 0; i < targets.Length; i++)
                {
                    if (targets[i] is not (1 or -1 or 0))
                        throw new ArgumentException($"Target {i} (row {i / data.TargetWidth}) is {targets[i]}; {loss.Name} needs labels −1 or +1 (or 0 or 1).", nameof(data));
                    if (targets[i] == 0 && firstZero < 0)
                        firstZero = i;
                    if (targets[i] == -1 && firstNegative < 0)
                        firstNegative = i;
                }
                if (firstZero >= 0 && firstNegative >= 0)
                    throw new ArgumentException(
                        $"The labels mix −1 (row {firstNegative / data.TargetWidth}) and 0 (row {firstZero / data.TargetWidth}); {loss.Name} takes −1/+1 or 0/1 labels, one or the other.", nameof(data));
                break;
            case LabelEncoding.OneHot:
                if (data.TargetWidth < 2)
                    throw new ArgumentException($"{loss.Name} needs one-hot targets over at least 2 classes; the data has {data.TargetWidth} target column.", nameof(data));
                for (int row = 0; row < data.Count; row++)
                {
                    ReadOnlySpan<float> t = data.Target(row);
                    int ones = 0;
                    foreach (float v in t)
                    {
                        if (v is not (0 or 1))
                            throw new ArgumentException($"Row {row} has target {v}; {loss.Name} needs one-hot rows of 0 and 1 (Dataset.FromClassLabels builds them).", nameof(data));
                        ones += v == 1 ? 1 : 0;
                    }
                    if (ones != 1)
                        throw new ArgumentException($"Row {row} has {ones} ones; a one-hot row has exactly one (Dataset.FromClassLabels builds them).", nameof(data));
                }
                break;
        }
    }
}

/// <summary>Classification metrics for ±1 targets.</summary>
public static class Metrics
{
    /// <summary>
    /// The prediction matches the label: <see cref="Prediction.Classify(ReadOnlySpan{float})"/> of the output equals that of
    /// the target (one output: the sign, f ≥ 0 counting as +1; several: the position of the largest).
    /// </summary>
    public static bool IsCorrect(ReadOnlySpan<float> output, ReadOnlySpan<float> target)
    {
        if (output.Length == 1 && target.Length == 1)
            return IsCorrect(output[0], target[0]);
        foreach (float value in output)
            if (float.IsNaN(value))
                return false; // no class, so not correct (training then stops on the NaN loss)
        return Prediction.Classify(output) == Prediction.Label(target);
    }

    /// <summary><see cref="IsCorrect(ReadOnlySpan{float}, ReadOnlySpan{float})"/> for one output: its sign (0 counting as +1) is the label's.</summary>
    internal static bool IsCorrect(float output, float target) =>
        !float.IsNaN(output) && (output >= 0) == (target > 0); // target > 0 is Prediction.Sign(target) > 0, without its branch
}

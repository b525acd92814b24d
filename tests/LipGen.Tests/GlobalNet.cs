using LipGen;

// A network in the global namespace.
[LipschitzNetwork(3, 16, 1, GroupSize = 16, P = 2)]
public partial class GlobalFullSortNet;

using System.Runtime.CompilerServices;

// The simulator's parts (DatasetTable, MountTable, PathResolver...) are internal: only the facade,
// SimulatedZfs, is a port. The unit lane tests each part on its own, so it sees them.
[assembly: InternalsVisibleTo("SnapUpgrade.Tests.Unit")]

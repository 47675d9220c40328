// The one fake engine and the host states it serves live in Tests.Support: the unit lane's watcher tests use them too.
global using SnapUpgrade.Tests.Support.Fakes;

// The library under test drives Linux syscalls; so do these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

"""The 65816 simulator: CPU state, buses, stepping; the conformance runner.

``from triforce.sim import CPU, CPUState, FlatBus, SnesBus, RecordingBus, RunResult``
"""

from triforce.sim.bus import DeviceHook, FlatBus, RecordingBus, SnesBus
from triforce.sim.cpu import CPU, RunResult
from triforce.sim.state import CPUState

__all__ = ["CPU", "CPUState", "DeviceHook", "FlatBus", "RecordingBus", "RunResult", "SnesBus"]

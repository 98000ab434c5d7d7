"""Analysis over 65816 code: the deterministic tools that check model code
and answer when no model is configured.

- ``equivalence.check_equivalence`` — run two snippets from many states, compare
  what they leave behind (``machine`` runs code, ``states`` makes entry states)
- ``assumptions.parse_assumptions`` — liveness, scratch and widths from the user's words
- ``lint.lint`` — rules L001-L011 (``flow`` tracks widths, stack and carry)
- ``optimizer.optimize`` — proven peephole rewrites (``peephole`` proposes them)
- ``behaves.check_case`` — one benchmark ``behaves`` case
- ``signature`` (inputs/outputs measured in the simulator), ``callgraph``
  (call graph, RAM map, doc skeleton), ``patches`` (org overlaps, bank plan),
  ``security`` (unchecked indexes, RAM jump tables), ``bounds`` (verified guards)
- ``cycles.count_cycles`` — bytes and cycles per line (owned by the simulator)
- ``source`` — the light asar source reader they share
"""

"""The layer presets: the fortress architecture's layer names, globs and allowed imports (SPEC §1).

The one place the preset layer names are written: config builds layers from these tables, rules
name the layers they are bound to with these constants, `init` proposes these globs.
"""

from __future__ import annotations

from layerguard.model import Layer

ENDPOINT = "endpoint"
SERVICE = "service"
REPOSITORY = "repository"
SCHEMA = "schema"
MODEL = "model"

FORTRESS_LAYERS: tuple[Layer, ...] = (
    Layer(
        ENDPOINT,
        ("**.api.**", "**.endpoints.**", "**.routes.**", "**.routers.**", "**.router", "**.controllers.**"),
        (SERVICE, SCHEMA),
    ),
    Layer(SERVICE, ("**.services.**", "**.service"), (REPOSITORY, SCHEMA, MODEL)),
    Layer(REPOSITORY, ("**.repositories.**", "**.repository", "**.repos.**", "**.crud.**"), (SCHEMA, MODEL)),
    Layer(SCHEMA, ("**.schemas.**", "**.schema"), (MODEL,)),
    Layer(MODEL, ("**.models.**", "**.model"), ()),
)
# The layer-bound rules (SPEC §1) apply to layers with these names, in any preset or config.
PRESET_LAYER_NAMES: tuple[str, ...] = tuple(layer.name for layer in FORTRESS_LAYERS)
# Layers below the HTTP boundary: no HTTPException, no fastapi imports (LG201, LG202).
BELOW_HTTP = (SERVICE, REPOSITORY, SCHEMA, MODEL)
# Layers whose code reads and writes the database (LG305).
DATA_ACCESS = (SERVICE, REPOSITORY)

PRESETS: dict[str, tuple[Layer, ...]] = {"fortress": FORTRESS_LAYERS, "none": ()}

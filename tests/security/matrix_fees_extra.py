"""Permission-matrix rows of the fees screens added after the first fees landing: meter
readings, a fee item's scope and deactivation (see ``matrix.py`` for the columns and the
notation)."""

# fmt: off

ADMIN_FEES_EXTRA = {
    #                                           anon resX famX tenX resY admA dskA tecA admB dskB tecB comX strA strB bur  plat
    "GET /admin/fees/{item_id}/readings": {
        "item_id=water_x":                     "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "item_id=water_y":                     "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    # a unit number nobody has: an allowed actor gets the form's 422
    "POST /admin/fees/{item_id}/readings": {
        "form": {"period": "2026-11", "building_id": "1", "number": "无此房号", "current": "5"},
        "item_id=water_x":                     "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "item_id=water_y":                     "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    # no file: an allowed actor gets the form's 422
    "POST /admin/fees/{item_id}/readings/import": {
        "item_id=water_x":                     "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "item_id=water_y":                     "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    # batch reminders (issue 19): the preview of the units ticked (none here: an empty
    # preview), and the sending (none ticked: back to the reminders with a message)
    "GET /admin/arrears/remind": {
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/arrears/remind": {
        "-":                                   "401  401  401  401  401  302  302  403  302  302  403  403  403  403  403  302",
    },
    # the period's readings sheet with the estate's units and previous readings listed
    "GET /admin/fees/{item_id}/readings/template.xlsx": {
        "item_id=water_x":                     "401  401  401  401  401  200  403  403  404  403  403  403  403  403  403  200",
        "item_id=water_y":                     "401  401  401  401  401  404  403  403  200  403  403  403  403  403  403  200",
    },
    "GET /admin/fees/readings/template.xlsx": {
        "-":                                   "401  401  401  401  401  200  403  403  200  403  403  403  403  403  403  200",
    },
    "POST /admin/fees/{item_id}/scope": {
        "form": {"buildings": "all"},
        "item_id=x":                           "401  401  401  401  401  302  403  403  404  403  403  403  403  403  403  302",
        "item_id=y":                           "401  401  401  401  401  404  403  403  302  403  403  403  403  403  403  302",
    },
    # a value that is neither 0 nor 1: an allowed actor gets the form's 422 (and nothing changes)
    "POST /admin/fees/{item_id}/active": {
        "form": {"active": "2"},
        "item_id=x":                           "401  401  401  401  401  422  403  403  404  403  403  403  403  403  403  422",
        "item_id=y":                           "401  401  401  401  401  404  403  403  422  403  403  403  403  403  403  422",
    },
    # the cashier's screen per household (admin/cashier.py): the desk and admins of the unit's
    # company; a payment method that does not exist is the form's 422. The search matches no
    # unit: one match would redirect to it (302), and which factory units exist depends on
    # the tests that ran before (factory sequences are per process)
    "GET /admin/cashier": {
        "query": {"q": "无此楼 无此房"},
        "-":                                   "401  401  401  401  401  200  200  403  200  200  403  403  403  403  403  200",
    },
    "GET /admin/cashier/units/{unit_id}": {
        "unit_id=x":                           "401  401  401  401  401  200  200  403  404  404  403  403  403  403  403  200",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  200  200  403  403  403  403  403  200",
    },
    "POST /admin/cashier/units/{unit_id}": {
        "form": {"method": "barter"},
        "unit_id=x":                           "401  401  401  401  401  422  422  403  404  404  403  403  403  403  403  422",
        "unit_id=y":                           "401  401  401  401  401  404  404  403  422  422  403  403  403  403  403  422",
    },
}

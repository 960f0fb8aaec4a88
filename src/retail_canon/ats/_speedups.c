/*
 * Optional compiled fast path of `retail_canon.ats.Engine.apply`.
 *
 * One callable per engine, bound to the engine's containers. For the common event (an
 * ``on_hand`` `Delta` at a known position, no ledger store) it does exactly the steps of
 * the pure-Python straight-line path in ``_core.py`` (`EngineCore.apply`); for every other
 * event, and whenever anything looks unusual, it hands the event to the pure-Python
 * ``apply`` untouched, before changing any state. The property tests run both paths.
 *
 * Fields of the slotted event and position classes are read and written through the
 * offsets of their member descriptors, found once when the module binds to the classes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <datetime.h>
#include <structmember.h>

/* Bumped whenever the Python side's expectations change: a stale build is then ignored. */
#define SPEEDUPS_ABI 2

/* Field offsets, found by `configure`. */
static PyTypeObject *delta_type = NULL;
static PyTypeObject *position_type = NULL;
static PyTypeObject *cover_type = NULL;
static PyObject *on_hand = NULL;
static Py_ssize_t d_key, d_source, d_sequence, d_sku, d_node, d_bucket, d_quantity,
    d_occurred_at;
static Py_ssize_t p_cover, p_head, p_jsrc, p_jmax, p_net, p_lo, p_srcs;
static Py_ssize_t c_marks, c_latest_time, c_time_without;
static PyObject *str_covers = NULL;
static PyObject *int_zero = NULL;

#define FIELD(obj, off) (*(PyObject **)((char *)(obj) + (off)))

static inline void
set_field(PyObject *obj, Py_ssize_t off, PyObject *value) /* steals value */
{
    PyObject **addr = (PyObject **)((char *)obj + off);
    PyObject *old = *addr;
    *addr = value;
    Py_XDECREF(old);
}

static int
offset_of(PyTypeObject *type, const char *name, Py_ssize_t *out)
{
    PyObject *descr = PyObject_GetAttrString((PyObject *)type, name);
    if (descr == NULL) {
        return -1;
    }
    if (!Py_IS_TYPE(descr, &PyMemberDescr_Type)) {
        Py_DECREF(descr);
        PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", type->tp_name, name);
        return -1;
    }
    PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
    if (member->type != T_OBJECT_EX || (member->flags & READONLY)) {
        Py_DECREF(descr);
        PyErr_Format(PyExc_TypeError, "%s.%s is not a writable object slot", type->tp_name,
                     name);
        return -1;
    }
    *out = member->offset;
    Py_DECREF(descr);
    return 0;
}

/* configure(Delta, PositionState, Cover, on_hand): find the slots once. */
static PyObject *
configure(PyObject *module, PyObject *args)
{
    PyObject *dt, *pt, *ct, *oh;
    if (!PyArg_ParseTuple(args, "O!O!O!O", &PyType_Type, &dt, &PyType_Type, &pt, &PyType_Type,
                          &ct, &oh)) {
        return NULL;
    }
    PyTypeObject *d = (PyTypeObject *)dt, *p = (PyTypeObject *)pt, *c = (PyTypeObject *)ct;
    if (offset_of(d, "key", &d_key) || offset_of(d, "source", &d_source) ||
        offset_of(d, "sequence", &d_sequence) || offset_of(d, "sku", &d_sku) ||
        offset_of(d, "node", &d_node) || offset_of(d, "bucket", &d_bucket) ||
        offset_of(d, "quantity", &d_quantity) || offset_of(d, "occurred_at", &d_occurred_at) ||
        offset_of(p, "cover", &p_cover) || offset_of(p, "head", &p_head) ||
        offset_of(p, "jsrc", &p_jsrc) || offset_of(p, "jmax", &p_jmax) ||
        offset_of(p, "net", &p_net) || offset_of(p, "lo", &p_lo) ||
        offset_of(p, "srcs", &p_srcs) || offset_of(c, "marks", &c_marks) ||
        offset_of(c, "latest_time", &c_latest_time) ||
        offset_of(c, "time_without", &c_time_without)) {
        return NULL;
    }
    Py_INCREF(dt);
    Py_XSETREF(delta_type, d);
    Py_INCREF(pt);
    Py_XSETREF(position_type, p);
    Py_INCREF(ct);
    Py_XSETREF(cover_type, c);
    Py_INCREF(oh);
    Py_XSETREF(on_hand, oh);
    Py_RETURN_NONE;
}

typedef struct {
    PyObject_HEAD
    PyObject *fallback; /* the pure-Python apply, bound to the engine */
    PyObject *move;     /* the engine's _move, bound */
    PyObject *seen;     /* set */
    PyObject *ledger;   /* list */
    PyObject *rows;     /* dict: sku -> row (list) */
    PyObject *slots;    /* dict: node -> slot index (int) */
    PyObject *journal;  /* list */
    PyObject *marks;    /* dict: source -> watermark (int) */
    PyObject *base_time;
    PyObject *dirty; /* list */
} Applier;

static int
applier_traverse(Applier *self, visitproc visit, void *arg)
{
    Py_VISIT(self->fallback);
    Py_VISIT(self->move);
    Py_VISIT(self->seen);
    Py_VISIT(self->ledger);
    Py_VISIT(self->rows);
    Py_VISIT(self->slots);
    Py_VISIT(self->journal);
    Py_VISIT(self->marks);
    Py_VISIT(self->base_time);
    Py_VISIT(self->dirty);
    return 0;
}

static int
applier_clear(Applier *self)
{
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->move);
    Py_CLEAR(self->seen);
    Py_CLEAR(self->ledger);
    Py_CLEAR(self->rows);
    Py_CLEAR(self->slots);
    Py_CLEAR(self->journal);
    Py_CLEAR(self->marks);
    Py_CLEAR(self->base_time);
    Py_CLEAR(self->dirty);
    return 0;
}

static void
applier_dealloc(Applier *self)
{
    PyObject_GC_UnTrack(self);
    applier_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
applier_init(Applier *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"fallback", "move",  "seen",      "ledger", "rows",
                            "slots",    "journal", "marks", "base_time", "dirty", NULL};
    PyObject *fallback, *move, *seen, *ledger, *rows, *slots, *journal, *marks, *base_time,
        *dirty;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!O!O!O!O!O!OO!", names, &fallback, &move,
                                     &PySet_Type, &seen, &PyList_Type, &ledger, &PyDict_Type,
                                     &rows, &PyDict_Type, &slots, &PyList_Type, &journal,
                                     &PyDict_Type, &marks, &base_time, &PyList_Type, &dirty)) {
        return -1;
    }
    if (delta_type == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "configure() has not been called");
        return -1;
    }
#define SET(name)                          \
    Py_INCREF(name);                       \
    Py_XSETREF(self->name, name);
    SET(fallback);
    SET(move);
    SET(seen);
    SET(ledger);
    SET(rows);
    SET(slots);
    SET(journal);
    SET(marks);
    SET(base_time);
    SET(dirty);
#undef SET
    return 0;
}

static PyObject *
call_fallback(Applier *self, PyObject *event)
{
    return PyObject_CallOneArg(self->fallback, event);
}

/* a <= b, a > b for ints (exact for any size); -1 on error. */
static inline int
le(PyObject *a, PyObject *b)
{
    return PyObject_RichCompareBool(a, b, Py_LE);
}

/* `Cover.covers(delta)` for a `Cover` ``c``: 1, 0, or -1 with an exception set. */
static int
covers(PyObject *c, PyObject *source, PyObject *sequence, PyObject *occurred)
{
    PyObject *marks = FIELD(c, c_marks), *latest = FIELD(c, c_latest_time);
    PyObject *without = FIELD(c, c_time_without);
    if (marks == NULL || latest == NULL || without == NULL || !PyDict_CheckExact(marks) ||
        !PyDict_CheckExact(without)) {
        PyErr_SetString(PyExc_RuntimeError, "a Cover without its fields");
        return -1;
    }
    PyObject *mark = PyDict_GetItemWithError(marks, source);
    if (mark == NULL) {
        return PyErr_Occurred() ? -1 : le(occurred, latest);
    }
    int by_mark = le(sequence, mark);
    if (by_mark != 0) {
        return by_mark;
    }
    PyObject *time = PyDict_GetItemWithError(without, source);
    if (time == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetObject(PyExc_KeyError, source);
        }
        return -1;
    }
    return le(occurred, time);
}

static PyObject *
applier_call(Applier *self, PyObject *args, PyObject *kwds)
{
    PyObject *event;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) != 0) {
        PyErr_SetString(PyExc_TypeError, "apply() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_UnpackTuple(args, "apply", 1, 1, &event)) {
        return NULL;
    }
    if (!Py_IS_TYPE(event, delta_type)) {
        return call_fallback(self, event);
    }
    PyObject *key = FIELD(event, d_key);
    PyObject *bucket = FIELD(event, d_bucket);
    PyObject *occurred = FIELD(event, d_occurred_at);
    PyObject *sku = FIELD(event, d_sku);
    PyObject *node = FIELD(event, d_node);
    PyObject *source = FIELD(event, d_source);
    PyObject *sequence = FIELD(event, d_sequence);
    PyObject *quantity = FIELD(event, d_quantity);
    if (key == NULL || bucket != on_hand || occurred == NULL || sku == NULL || node == NULL ||
        source == NULL || sequence == NULL || quantity == NULL || !PyUnicode_CheckExact(key) ||
        !PyLong_CheckExact(sequence) || !PyLong_CheckExact(quantity) ||
        !PyDateTime_Check(occurred) || PyDateTime_DATE_GET_TZINFO(occurred) == Py_None) {
        return call_fallback(self, event);
    }
    int found = PySet_Contains(self->seen, key);
    if (found < 0) {
        return NULL;
    }
    if (found) {
        Py_RETURN_FALSE;
    }
    /* the position, if it exists (else the pure-Python path creates it) */
    PyObject *row = PyDict_GetItemWithError(self->rows, sku);
    if (row == NULL) {
        return PyErr_Occurred() ? NULL : call_fallback(self, event);
    }
    PyObject *slot_obj = PyDict_GetItemWithError(self->slots, node);
    if (slot_obj == NULL) {
        return PyErr_Occurred() ? NULL : call_fallback(self, event);
    }
    if (!PyList_CheckExact(row) || !PyLong_CheckExact(slot_obj)) {
        return call_fallback(self, event);
    }
    Py_ssize_t slot = PyLong_AsSsize_t(slot_obj);
    if (slot < 0 || slot >= PyList_GET_SIZE(row)) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        return call_fallback(self, event);
    }
    PyObject *pos = PyList_GET_ITEM(row, slot);
    if (!Py_IS_TYPE(pos, position_type)) {
        return call_fallback(self, event);
    }
    PyObject *net = FIELD(pos, p_net), *lo = FIELD(pos, p_lo), *srcs = FIELD(pos, p_srcs);
    PyObject *head = FIELD(pos, p_head), *cover = FIELD(pos, p_cover);
    if (net == NULL || lo == NULL || srcs == NULL || head == NULL || cover == NULL ||
        FIELD(pos, p_jsrc) == NULL || FIELD(pos, p_jmax) == NULL || !PyLong_CheckExact(net) ||
        (cover != Py_None && !PyDict_CheckExact(cover)) ||
        !PyLong_CheckExact(head) || !PyTuple_CheckExact(srcs)) {
        return call_fallback(self, event);
    }
    /* From here on the event is accepted: the same order of steps as the Python path. */
    Py_INCREF(pos);
    Py_INCREF(row);
    PyObject *result = NULL;
    if (PySet_Add(self->seen, key) < 0) {
        goto done;
    }
    if (PyList_Append(self->ledger, event) < 0) {
        goto done;
    }
    PyObject *mark = PyDict_GetItemWithError(self->marks, source);
    int covered;
    if (mark != NULL) {
        covered = le(sequence, mark);
    }
    else if (PyErr_Occurred()) {
        goto done;
    }
    else {
        covered = le(occurred, self->base_time);
    }
    if (covered) {
        if (covered > 0) {
            result = Py_True;
            Py_INCREF(result);
        }
        goto done;
    }
    if (cover != Py_None) {
        PyObject *c0 = PyDict_GetItemWithError(cover, int_zero);
        if (c0 == NULL && PyErr_Occurred()) {
            goto done;
        }
        if (c0 != NULL && Py_IS_TYPE(c0, cover_type)) {
            /* `Cover.covers`, inlined: by the source's mark, else by time */
            int yes = covers(c0, source, sequence, occurred);
            if (yes) {
                if (yes > 0) {
                    result = Py_True;
                    Py_INCREF(result);
                }
                goto done;
            }
        }
        else if (c0 != NULL) {
            PyObject *r = PyObject_CallMethodOneArg(c0, str_covers, event);
            if (r == NULL) {
                goto done;
            }
            int yes = PyObject_IsTrue(r);
            Py_DECREF(r);
            if (yes) {
                if (yes > 0) {
                    result = Py_True;
                    Py_INCREF(result);
                }
                goto done;
            }
        }
    }
    /* `covers` ran Python code: read the position's fields again */
    head = FIELD(pos, p_head);
    net = FIELD(pos, p_net);
    srcs = FIELD(pos, p_srcs);
    if (head == NULL || net == NULL || srcs == NULL || !PyLong_CheckExact(head) ||
        !PyLong_CheckExact(net) || !PyTuple_CheckExact(srcs) || FIELD(pos, p_jsrc) == NULL ||
        FIELD(pos, p_jmax) == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "position state changed while applying an event");
        goto done;
    }
    /* the on_hand journal chain, with its one source and top sequence */
    long h = PyLong_AsLong(head);
    if (h == -1 && PyErr_Occurred()) {
        goto done;
    }
    if (h < 0) {
        Py_INCREF(source);
        set_field(pos, p_jsrc, source);
        Py_INCREF(sequence);
        set_field(pos, p_jmax, sequence);
    }
    else {
        PyObject *jsrc = FIELD(pos, p_jsrc);
        int same = jsrc == source ? 1 : PyObject_RichCompareBool(jsrc, source, Py_EQ);
        if (same < 0) {
            goto done;
        }
        if (same) {
            int gt = PyObject_RichCompareBool(sequence, FIELD(pos, p_jmax), Py_GT);
            if (gt < 0) {
                goto done;
            }
            if (gt) {
                Py_INCREF(sequence);
                set_field(pos, p_jmax, sequence);
            }
        }
        else {
            Py_INCREF(Py_None);
            set_field(pos, p_jsrc, Py_None);
        }
    }
    PyObject *new_head = PyLong_FromSsize_t(PyList_GET_SIZE(self->journal));
    if (new_head == NULL) {
        goto done;
    }
    Py_INCREF(head); /* keep the old head alive for the journal */
    set_field(pos, p_head, new_head);
    int failed = PyList_Append(self->journal, event) < 0 || PyList_Append(self->journal, head) < 0;
    Py_DECREF(head);
    if (failed) {
        goto done;
    }
    /* net stock and the sums */
    PyObject *old = net;
    Py_INCREF(old);
    PyObject *new = PyNumber_Add(old, quantity);
    if (new == NULL) {
        Py_DECREF(old);
        goto done;
    }
    Py_INCREF(new);
    set_field(pos, p_net, new);
    int old_pos = PyObject_RichCompareBool(old, int_zero, Py_GT);
    int new_pos = PyObject_RichCompareBool(new, int_zero, Py_GT);
    int q_zero = PyObject_RichCompareBool(quantity, int_zero, Py_EQ);
    if (old_pos < 0 || new_pos < 0 || q_zero < 0) {
        goto fail_moved;
    }
    if ((!old_pos && !new_pos) || q_zero) {
        result = Py_True;
        Py_INCREF(result);
        goto fail_moved;
    }
    lo = FIELD(pos, p_lo);
    int old_above = PyObject_RichCompareBool(old, lo, Py_GT);
    int new_above = old_above > 0 ? PyObject_RichCompareBool(new, lo, Py_GT) : old_above;
    if (old_above < 0 || new_above < 0) {
        goto fail_moved;
    }
    if (old_above && new_above) {
        Py_ssize_t n = PyTuple_GET_SIZE(srcs);
        if (n > 0) {
            for (Py_ssize_t j = 0; j < n; j++) {
                Py_ssize_t i = PyLong_AsSsize_t(PyTuple_GET_ITEM(srcs, j));
                if (i == -1 && PyErr_Occurred()) {
                    goto fail_moved;
                }
                if (i < 0 || i >= PyList_GET_SIZE(row)) {
                    PyErr_SetString(PyExc_IndexError, "row index out of range");
                    goto fail_moved;
                }
                PyObject *sum = PyNumber_Add(PyList_GET_ITEM(row, i), quantity);
                if (sum == NULL) {
                    goto fail_moved;
                }
                PyList_SetItem(row, i, sum); /* steals sum, releases the old */
            }
            if (PyList_GET_SIZE(row) < 2) {
                PyErr_SetString(PyExc_IndexError, "row too short");
                goto fail_moved;
            }
            int changed = PyObject_IsTrue(PyList_GET_ITEM(row, 1));
            if (changed < 0) {
                goto fail_moved;
            }
            if (!changed) {
                Py_INCREF(Py_True);
                PyList_SetItem(row, 1, Py_True);
                if (PyList_Append(self->dirty, row) < 0) {
                    goto fail_moved;
                }
            }
        }
        result = Py_True;
        Py_INCREF(result);
        goto fail_moved;
    }
    {
        PyObject *r = PyObject_CallFunctionObjArgs(self->move, pos, old, new, NULL);
        if (r != NULL) {
            Py_DECREF(r);
            result = Py_True;
            Py_INCREF(result);
        }
    }
fail_moved:
    Py_DECREF(old);
    Py_DECREF(new);
done:
    Py_DECREF(pos);
    Py_DECREF(row);
    return result;
}

static PyTypeObject ApplierType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "retail_canon.ats._speedups.Applier",
    .tp_basicsize = sizeof(Applier),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = PyDoc_STR("The compiled fast path of one engine's apply."),
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)applier_init,
    .tp_dealloc = (destructor)applier_dealloc,
    .tp_traverse = (traverseproc)applier_traverse,
    .tp_clear = (inquiry)applier_clear,
    .tp_call = (ternaryfunc)applier_call,
};

static PyMethodDef module_methods[] = {
    {"configure", configure, METH_VARARGS,
     PyDoc_STR("configure(delta_type, position_type, cover_type, on_hand): find the slot "
               "offsets.")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "retail_canon.ats._speedups",
    .m_doc = PyDoc_STR("Optional compiled fast path of the ATS engine's apply."),
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    PyDateTime_IMPORT;
    if (PyDateTimeAPI == NULL) {
        return NULL;
    }
    if (PyType_Ready(&ApplierType) < 0) {
        return NULL;
    }
    str_covers = PyUnicode_InternFromString("covers");
    int_zero = PyLong_FromLong(0);
    if (str_covers == NULL || int_zero == NULL) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module_def);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "ABI", SPEEDUPS_ABI) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&ApplierType);
    if (PyModule_AddObject(m, "Applier", (PyObject *)&ApplierType) < 0) {
        Py_DECREF(&ApplierType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

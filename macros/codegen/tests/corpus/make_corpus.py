# Writes the corpus next to this file from the minimal valid spec: run it from this
# directory (`python3 make_corpus.py`). err_* files must be errors, ok_* must generate.
import os
base = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../../tests/tests/ui/specs/base.yaml')).read()
# drop the schema comment lines: corpus files start with their own description
body = base.split('\n', 2)[2]
PAY = "  - name: pay\n    summary: Pay\n"
RESP_END = "      - { name: code, type: string, required: true }\n"
REQ = "      - { name: amount, type: fen, required: true }\n"
def op(name, extra_req="", extra_resp=""):
    return f"  - name: {name}\n    summary: Other\n    path: /other\n    request: [{extra_req}]\n    response: [{extra_resp}]\n"
def notif(name, fields="[]"):
    return f"notifications:\n  - name: {name}\n    summary: n\n    body: form\n    payload: inline\n    ack: success\n    fields: {fields}\n"
cases = {}
def rep(name, old, new, text=None):
    t = body if text is None else text
    assert old in t, (name, old)
    cases[name] = t.replace(old, new, 1)
def add_op(name, opname):
    rep(name, PAY, op(opname) + PAY)
def add_resp_field(name, line):
    rep(name, RESP_END, RESP_END + "      - " + line + "\n")
def add_req_field(name, line):
    rep(name, REQ, REQ + "      - " + line + "\n")

# --- names that are not identifiers
add_op("err_op_name_empty", '""')
add_op("err_op_name_chinese", '"支付"')
add_op("err_op_name_only_dash", '"-"')
rep("err_env_name_chinese", "  - name: production", "  - name: 生产")
rep("err_credential_name_chinese", "  - name: key\n", "  - name: 密钥\n")
rep("err_credential_name_chinese", "credential: key,", "credential: 密钥,", cases["err_credential_name_chinese"])
rep("err_notification_name_chinese", RESP_END, RESP_END + notif('"通知"'))
rep("err_field_name_chinese", "{ name: amount, type: fen", "{ name: 金额, type: fen")
rep("err_rust_name_dash", "{ name: amount, type: fen", "{ name: amount, rust_name: a-b, type: fen")
rep("err_rust_name_self", "{ name: amount, type: fen", "{ name: amount, rust_name: self, type: fen")
rep("err_rust_name_raw_self", "{ name: amount, type: fen", "{ name: amount, rust_name: r#self, type: fen")
rep("err_rust_name_unicode", "{ name: amount, type: fen", "{ name: amount, rust_name: 金额, type: fen")
rep("err_spec_name_uppercase", "name: mini", "name: Mini")
rep("err_spec_name_path", "name: mini", 'name: "../evil"')
add_resp_field("err_enum_value_empty", '{ name: status, type: string, values: [{ value: "" }] }')
add_resp_field("err_enum_value_unknown", '{ name: status, type: string, values: [{ value: unknown }] }')
add_resp_field("err_enum_values_differ_in_case", '{ name: status, type: string, values: [{ value: ok }, { value: OK }] }')
add_resp_field("err_enum_value_chinese", '{ name: status, type: string, values: [{ value: 成功 }] }')
# --- collisions after casing
rep("err_env_case_collision", "    base_url: https://pay.example.invalid\n", "    base_url: https://pay.example.invalid\n  - name: Production\n    base_url: https://b.example.invalid\n")
add_op("err_op_case_collision", "Pay")
add_op("err_op_dash_underscore_collision", "p-ay")
rep("err_op_dash_underscore_collision", PAY, op("pay_x") + op("pay-x") + PAY)
add_req_field("err_field_case_collision", "{ name: a_b, type: string }\n      - { name: aB, type: string }")
rep("err_credential_case_collision", "  - name: key\n", "  - name: key\n  - name: Merchant\n")
add_resp_field("err_nested_field_collision", "{ name: data, type: object, fields: [{ name: x_y, type: string }, { name: xY, type: int }] }")
# --- collisions with the client's own names
for m in ["new", "with_clock", "with_transport", "with_nonce", "transport", "render_pay", "provider"]:
    add_op(f"err_op_named_{m}", m)
rep("err_notification_table_collision", RESP_END, RESP_END + op("notification_pay") + notif("pay"))
rep("err_notification_method_collision", RESP_END, RESP_END + op("verify_done_notification") + notif("done"))
# --- shadowing prelude or generated types
for f in ["string", "option", "result", "vec", "box", "error", "client", "environment", "credentials", "pay_request", "t"]:
    add_resp_field(f"err_enum_named_{f}", f"{{ name: {f}, type: string, values: [{{ value: a }}] }}")
rep("err_nested_type_named_notification", RESP_END, RESP_END + "      - { name: notification, type: object, fields: [{ name: x, type: string }] }\n" + notif("pay_response"))
rep("err_nested_request_collision", RESP_END, RESP_END + "      - { name: request, type: object, fields: [{ name: a, type: string }] }\n" + op("pay_response"))
add_resp_field("err_nested_enum_collision", '{ name: data_code, type: string, values: [{ value: a }] }\n      - { name: data, type: object, fields: [{ name: code, type: string, values: [{ value: b }] }] }')
rep("err_nested_enum_collision", PAY, op("query", "", '{ name: data_code, type: string, values: [{ value: c }] }, { name: code, type: string, values: [{ value: d }] }') + PAY, cases["err_nested_enum_collision"])
# --- headers and scalars
rep("err_header_name_bad", "output: { field: sign }", r'output: { header: { name: "Bad Header:\n", template: "{signature}" } }')
rep("err_header_template_crlf", "output: { field: sign }", r'output: { header: { name: Authorization, template: "{signature}\r\nX-Evil: 1" } }')
rep("err_header_name_empty", "output: { field: sign }", 'output: { header: { name: "", template: "{signature}" } }')
rep("err_bool_yes", "    secret: true", "    secret: yes")
rep("err_bool_on", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: on }")
rep("ok_bool_quoted", "    secret: true", '    secret: "true"')
# --- YAML and types
rep("err_yaml_unclosed_flow", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: true")
rep("err_yaml_tab_indent", "    summary: Pay", "\tsummary: Pay")
rep("err_yaml_bad_indent", "    path: /pay", "      path: /pay")
rep("err_wrong_type_list", "title: Minimal provider", "title: [Minimal, provider]")
rep("err_wrong_type_enum", "type: fen, required: true", "type: money, required: true")
rep("err_negative_length", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: true, max_length: -1 }")
rep("err_huge_number", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: true, max_length: 99999999999999999999999 }")
rep("err_nonce_overflow", "value: { credential: merchant }", "value: { nonce: 300 }")
rep("err_unknown_key_top", "document: none", "document: none\nauthor: me")
rep("err_unknown_key_field", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: true, optional: false }")
rep("err_duplicate_key", "title: Minimal provider", "title: Minimal provider\ntitle: Again")
rep("err_missing_operations", "operations:\n", "unused_operations:\n")
cases["err_empty_file"] = ""
cases["err_only_comments"] = "# nothing here\n# at all\n"
cases["err_scalar"] = "hello\n"
cases["err_top_level_list"] = "- name: mini\n- title: x\n"
cases["err_null"] = "~\n"
rep("err_no_environments", "environments:\n  - name: production\n    base_url: https://pay.example.invalid\n", "environments: []\n")
rep("err_utc_offset", "document: none", 'document: none\nutc_offset: "8 hours"')
rep("err_path_without_slash", "    path: /pay", "    path: pay")
cases["err_alias_bomb"] = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n" + body
def nested(depth):
    inner = "{ name: leaf, type: string }"
    for i in range(depth):
        inner = f"{{ name: level{i}, type: object, fields: [{inner}] }}"
    return inner
add_resp_field("err_deep_nesting", nested(60))
# --- tricky but valid
add_op("ok_op_name_dash", "pay-now")
add_op("ok_op_name_space", '"pay now"')
add_op("ok_op_name_keyword", "type")
add_op("ok_op_name_digit", '"2pay"')
add_op("ok_op_name_long", "p" * 200)
rep("ok_notification_name_dash", RESP_END, RESP_END + notif("pay-done", "[{ name: status, type: string, required: true, values: [{ value: SUCCESS }] }]"))
rep("ok_env_name_keyword", "  - name: production", "  - name: self\n    base_url: https://s.example.invalid\n  - name: type")
add_req_field("ok_keyword_fields", "{ name: type, type: string }\n      - { name: fn, type: int }\n      - { name: self, type: string, values: [{ value: a }, { value: b }] }\n      - { name: r#, type: string }")
add_resp_field("ok_keyword_fields_received", "{ name: type, type: string }\n      - { name: self, type: object, fields: [{ name: fn, type: string }, { name: mod, type: string, values: [{ value: x }] }] }\n      - { name: Self, rust_name: self_upper, type: string }")
add_req_field("ok_rust_name_raw", "{ name: kind, rust_name: r#type, type: string }")
add_resp_field("ok_case_differences_with_rust_name", "{ name: Code, rust_name: code_upper, type: string }\n      - { name: status, type: string, values: [{ value: ok }, { value: OK, rust_name: OkUpper }] }")
rep("ok_chinese_text", "title: Minimal provider", "title: 未命名聚合支付")
rep("ok_chinese_text", "    summary: Pay", "    summary: 支付（主扫）", cases["ok_chinese_text"])
rep("ok_chinese_text", "{ name: amount, type: fen, required: true }", "{ name: amount, type: fen, required: true, description: 金额，单位分 }", cases["ok_chinese_text"])
rep("ok_chinese_text", "  - name: key\n", "  - name: key\n    description: 签名密钥\n", cases["ok_chinese_text"])
rep("ok_tricky_docs", "    summary: Pay", '    summary: "Pay */ /* \\" \\\\ {} #[x] `code` <b>"')
rep("ok_tricky_docs", "{ name: amount, type: fen, required: true }", '{ name: amount, type: fen, required: true, description: "line one\\n\\nline three\\ttab \\u0000 nul \\r cr" }', cases["ok_tricky_docs"])
rep("ok_tricky_ack", RESP_END, RESP_END + notif("pay").replace("ack: success", 'ack: "{\\"code\\":\\"SUCCESS\\",\\"msg\\":\\"成功 ✓\\"}"'))
rep("ok_shared_enum", RESP_END, RESP_END.replace("required: true }", 'required: true, values: [{ value: "0" }] }') + op("query", "", '{ name: code, type: string, required: true, values: [{ value: "0" }] }'))
rep("ok_same_name_different_values", RESP_END, RESP_END + "      - { name: status, type: string, values: [{ value: a }] }\n" + op("query", "", "{ name: code, type: string }, { name: status, type: string, values: [{ value: b }] }"))
add_resp_field("ok_nested_ten_deep", nested(10))
add_resp_field("ok_list_of_objects", "{ name: items, type: list, fields: [{ name: id, type: int, required: true }, { name: kind, type: string, values: [{ value: \"1\" }] }] }")
add_resp_field("ok_enum_value_variants", '{ name: status, type: string, values: [{ value: "00" }, { value: "a-b" }, { value: "self" }, { value: "type" }, { value: 成功, rust_name: Success }] }')
rep("ok_anchors", "    body: json\n    payload: inline\n    signature: { recipe: md5_upper, field: sign }", "    body: json\n    payload: inline\n    signature: &sig { recipe: md5_upper, field: sign }")
rep("ok_bom", "name: mini", "name: mini")
cases["ok_bom"] = "\ufeff" + cases["ok_bom"]
rep("ok_bool_capitalized", "    secret: true", "    secret: True")
add_resp_field("ok_huge_max_length", "{ name: memo, type: string, max_length: 4294967295 }")

for name, text in sorted(cases.items()):
    what = name.split('_', 1)[1].replace('_', ' ')
    with open(name + ".yaml", "w", encoding="utf-8") as f:
        if name == "ok_bom":
            f.write(text)
        else:
            f.write(f"# corpus: {what}\n" + text)
# not UTF-8: an invalid byte in the title (line 4, column 11 after the comment line)
bad = ("# corpus: not utf8\n" + body).encode()
i = bad.index(b"Minimal")
with open("err_not_utf8.yaml", "wb") as f:
    f.write(bad[:i+3] + b"\xff" + bad[i+3:])
with open("err_latin1.yaml", "wb") as f:
    f.write(("# corpus: latin1 description\n" + body).replace("title: Minimal provider", "title: Caf\u00e9").encode("latin-1"))
print(len(os.listdir(".")))

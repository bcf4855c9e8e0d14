"""What `sam build` made of template.yaml (scripts/test.sh runs it, for this machine's
architecture, before this suite): every function of the template has its `bootstrap` in
.aws-sam/build/<LogicalId>/, an executable ELF for this machine. The Lambda emulator tests run
exactly these files (lambda_runtime.sam_artifact), so these checks keep that mapping honest.
"""

from __future__ import annotations

import os
import platform
import struct

from samcli.yamlhelper import yaml_parse

from lambda_runtime import LOGICAL_IDS, REPO, sam_artifact, sam_build_dir

# ELF e_machine of each Lambda architecture, by the machine this runs on.
ELF_MACHINE = {"x86_64": 0x3E, "aarch64": 0xB7}


def functions(template: dict) -> dict[str, dict]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_every_function_is_built_for_the_architecture_parameter():
    template = yaml_parse((REPO / "template.yaml").read_text())
    param = template["Parameters"]["Architecture"]
    assert param["Default"] == "arm64" and sorted(param["AllowedValues"]) == ["arm64", "x86_64"], param
    assert template["Globals"]["Function"]["Architectures"] == [{"Ref": "Architecture"}]
    fns = functions(template)
    # The emulator's name -> logical id table is the template's, and no function pins its own.
    assert {fn["Metadata"]["BuildProperties"]["Binary"]: lid for lid, fn in fns.items()} == LOGICAL_IDS
    for lid, fn in fns.items():
        assert fn["Metadata"]["BuildMethod"] == "rust-cargolambda", lid
        assert "Architectures" not in fn["Properties"], lid


def test_sam_build_left_an_executable_bootstrap_per_function_for_this_machine():
    built = yaml_parse((sam_build_dir() / "template.yaml").read_text())
    fns = functions(built)
    assert set(fns) == set(LOGICAL_IDS.values())
    machine = ELF_MACHINE[platform.machine()]
    for name, lid in LOGICAL_IDS.items():
        assert fns[lid]["Properties"]["CodeUri"] == lid, fns[lid]["Properties"]
        path = sam_artifact(name)
        assert os.access(path, os.X_OK), path
        head = path.open("rb").read(20)
        assert head[:4] == b"\x7fELF", f"{path} is not an ELF file"
        assert struct.unpack_from("<H", head, 18)[0] == machine, f"{path} is not built for {platform.machine()}"


"""A small framework for the STEM Manager's tests, written by hand."""

from analysis.manager.framework import framework_from_dict

P = {"source": "project", "note": "test"}


def small_framework():
    """Theme A: objective A1 (2 actions), A2 (1); theme B: objective B1 (4 actions)."""

    def actions(prefix, n, extra=None):
        extra = extra or {}
        return [
            {
                "id": f"{prefix}.{i}",
                "title": f"Action {prefix}.{i}",
                "provenance": P,
                **extra.get(i, {}),
            }
            for i in range(1, n + 1)
        ]

    return framework_from_dict(
        {
            "framework_version": 1,
            "id": "small",
            "edition": "1",
            "title": "Small",
            "themes": [
                {
                    "id": "A",
                    "title": "Alpha",
                    "provenance": P,
                    "objectives": [
                        {
                            "id": "A1",
                            "title": "First",
                            "provenance": P,
                            "actions": actions(
                                "A1",
                                2,
                                {1: {"plan_events": {"kinds": ["club"], "careers_linked": True}}},
                            ),
                            "evidence": ["plan.few_careers_links"],
                        },
                        {
                            "id": "A2",
                            "title": "Second",
                            "provenance": P,
                            "actions": actions("A2", 1, {1: {"plan_events": {"kinds": ["cpd"]}}}),
                            "evidence": ["plan.no_cpd", "survey.gender_gap:engineering"],
                        },
                    ],
                },
                {
                    "id": "B",
                    "title": "Beta",
                    "provenance": P,
                    "objectives": [
                        {
                            "id": "B1",
                            "title": "Third",
                            "provenance": P,
                            "actions": actions("B1", 4),
                            "evidence": [
                                "plan.subject_missing:engineering",
                                "survey.fall_between_waves",
                            ],
                        }
                    ],
                },
            ],
        },
        "small.yml",
    )

from odoo import api, models
from odoo.tools import file_path
from odoo.tools.translate import TranslationImporter

# Our Québec wording of Odoo's own terms (« Soumission - S00030.pdf », not « Devis »).
QUEBEC_TERMS = "facture_a_payer/i18n_extra/fr_CA.po"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    @api.model
    def _load_module_terms(self, modules, langs, overwrite=False):
        res = super()._load_module_terms(modules, langs, overwrite=overwrite)
        # Odoo keeps a term already translated by the module that owns it, and loads the modules' files in no
        # order we control: our Québec wording of their terms is loaded again last, over theirs.
        if "fr_CA" in langs and "facture_a_payer" in self.env.registry._init_modules | set(modules):
            importer = TranslationImporter(self.env.cr, verbose=False)
            importer.load_file(file_path(QUEBEC_TERMS), "fr_CA")
            importer.save(overwrite=True)
            # Written in SQL: the records, the compiled templates and the fields' labels read before are stale.
            self.env.invalidate_all()
            self.env.registry.clear_cache("templates")
            self.env.registry.clear_cache()
        return res

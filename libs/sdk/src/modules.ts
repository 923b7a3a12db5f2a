import type { HttpClient } from './http';
import { Resource } from './resource';
import type {
  Lead,
  LeadCreate,
  LeadFilters,
  LeadUpdate,
  Oportunidade,
  OportunidadeCreate,
  OportunidadeFilters,
  OportunidadeUpdate,
  Atividade,
  AtividadeCreate,
  AtividadeFilters,
  AtividadeUpdate,
  ConfiguracaoInstancia,
  ConfiguracaoInstanciaCreate,
  ConfiguracaoInstanciaFilters,
  ConfiguracaoInstanciaUpdate,
  Contato,
  ContatoCreate,
  ContatoFilters,
  ContatoUpdate,
  Conversa,
  ConversaCreate,
  ConversaFilters,
  ConversaUpdate,
  Mensagem,
  MensagemCreate,
  MensagemFilters,
  MensagemUpdate,
  Campanha,
  CampanhaCreate,
  CampanhaFilters,
  CampanhaUpdate,
  Template,
  TemplateCreate,
  TemplateFilters,
  TemplateUpdate,
  Profissional,
  ProfissionalCreate,
  ProfissionalFilters,
  ProfissionalUpdate,
  Servico,
  ServicoCreate,
  ServicoFilters,
  ServicoUpdate,
  Consulta,
  ConsultaCreate,
  ConsultaFilters,
  ConsultaUpdate,
  Bloqueio,
  BloqueioCreate,
  BloqueioFilters,
  BloqueioUpdate,
  Lembrete,
  LembreteCreate,
  LembreteFilters,
  LembreteUpdate,
  DisponibilidadeCustomizada,
  DisponibilidadeCustomizadaCreate,
  DisponibilidadeCustomizadaFilters,
  DisponibilidadeCustomizadaUpdate,
  Plano,
  PlanoCreate,
  PlanoFilters,
  PlanoUpdate,
  Assinatura,
  AssinaturaCreate,
  AssinaturaFilters,
  AssinaturaUpdate,
  Fatura,
  FaturaCreate,
  FaturaFilters,
  FaturaUpdate,
  Transacao,
  TransacaoCreate,
  TransacaoFilters,
  TransacaoUpdate,
  RelatorioMensal,
  RelatorioMensalCreate,
  RelatorioMensalFilters,
  RelatorioMensalUpdate,
  ConfiguracaoCobranca,
  ConfiguracaoCobrancaCreate,
  ConfiguracaoCobrancaFilters,
  ConfiguracaoCobrancaUpdate,
} from './types';

/** kryonix.crm: the tables of the crm module. */
export interface CrmModule {
  readonly leads: Resource<Lead, LeadFilters, LeadCreate, LeadUpdate>;
  readonly oportunidades: Resource<Oportunidade, OportunidadeFilters, OportunidadeCreate, OportunidadeUpdate>;
  readonly atividades: Resource<Atividade, AtividadeFilters, AtividadeCreate, AtividadeUpdate>;
}

/** kryonix.whatsapp: the tables of the whatsapp module. */
export interface WhatsappModule {
  readonly configuracao_instancia: Resource<ConfiguracaoInstancia, ConfiguracaoInstanciaFilters, ConfiguracaoInstanciaCreate, ConfiguracaoInstanciaUpdate>;
  readonly contatos: Resource<Contato, ContatoFilters, ContatoCreate, ContatoUpdate>;
  readonly conversas: Resource<Conversa, ConversaFilters, ConversaCreate, ConversaUpdate>;
  readonly mensagens: Resource<Mensagem, MensagemFilters, MensagemCreate, MensagemUpdate>;
  readonly campanhas: Resource<Campanha, CampanhaFilters, CampanhaCreate, CampanhaUpdate>;
  readonly templates: Resource<Template, TemplateFilters, TemplateCreate, TemplateUpdate>;
}

/** kryonix.agendamento: the tables of the agendamento module. */
export interface AgendamentoModule {
  readonly profissionais: Resource<Profissional, ProfissionalFilters, ProfissionalCreate, ProfissionalUpdate>;
  readonly servicos: Resource<Servico, ServicoFilters, ServicoCreate, ServicoUpdate>;
  readonly consultas: Resource<Consulta, ConsultaFilters, ConsultaCreate, ConsultaUpdate>;
  readonly bloqueios: Resource<Bloqueio, BloqueioFilters, BloqueioCreate, BloqueioUpdate>;
  readonly lembretes: Resource<Lembrete, LembreteFilters, LembreteCreate, LembreteUpdate>;
  readonly disponibilidade_customizada: Resource<DisponibilidadeCustomizada, DisponibilidadeCustomizadaFilters, DisponibilidadeCustomizadaCreate, DisponibilidadeCustomizadaUpdate>;
}

/** kryonix.financeiro: the tables of the financeiro module. */
export interface FinanceiroModule {
  readonly planos: Resource<Plano, PlanoFilters, PlanoCreate, PlanoUpdate>;
  readonly assinaturas: Resource<Assinatura, AssinaturaFilters, AssinaturaCreate, AssinaturaUpdate>;
  readonly faturas: Resource<Fatura, FaturaFilters, FaturaCreate, FaturaUpdate>;
  readonly transacoes: Resource<Transacao, TransacaoFilters, TransacaoCreate, TransacaoUpdate>;
  readonly relatorios_mensais: Resource<RelatorioMensal, RelatorioMensalFilters, RelatorioMensalCreate, RelatorioMensalUpdate>;
  readonly configuracoes_cobranca: Resource<ConfiguracaoCobranca, ConfiguracaoCobrancaFilters, ConfiguracaoCobrancaCreate, ConfiguracaoCobrancaUpdate>;
}

/** The tables of each module: a Record so the compiler checks they are exactly the Module interfaces' properties. */
const TABLES: { crm: Record<keyof CrmModule, true>; whatsapp: Record<keyof WhatsappModule, true>; agendamento: Record<keyof AgendamentoModule, true>; financeiro: Record<keyof FinanceiroModule, true> } = {
  crm: { leads: true, oportunidades: true, atividades: true },
  whatsapp: { configuracao_instancia: true, contatos: true, conversas: true, mensagens: true, campanhas: true, templates: true },
  agendamento: { profissionais: true, servicos: true, consultas: true, bloqueios: true, lembretes: true, disponibilidade_customizada: true },
  financeiro: { planos: true, assinaturas: true, faturas: true, transacoes: true, relatorios_mensais: true, configuracoes_cobranca: true },
};

export type ModuleName = keyof typeof TABLES;

/** The modules and their tables, as the module manifests (sql/modules/<module>/module.json) list them. */
export const MODULE_TABLES: { readonly [M in ModuleName]: ReadonlyArray<keyof (typeof TABLES)[M]> } = Object.freeze({
  crm: Object.freeze(Object.keys(TABLES.crm) as Array<keyof CrmModule>),
  whatsapp: Object.freeze(Object.keys(TABLES.whatsapp) as Array<keyof WhatsappModule>),
  agendamento: Object.freeze(Object.keys(TABLES.agendamento) as Array<keyof AgendamentoModule>),
  financeiro: Object.freeze(Object.keys(TABLES.financeiro) as Array<keyof FinanceiroModule>),
});

/** One Resource per table of the module. */
export function moduleResources<M>(http: HttpClient, module: ModuleName): M {
  const resources: Record<string, Resource<unknown>> = {};
  for (const table of MODULE_TABLES[module]) resources[table] = new Resource(http, module, table);
  return Object.freeze(resources) as M;
}
